module.exports = {
  apps: [
    {
      name: "shop",
      script: "./server.js",
      instances: 2,
      max_memory_restart: "300M",
    },
  ],
};
