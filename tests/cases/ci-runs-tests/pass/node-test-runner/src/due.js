module.exports = (hours) => hours >= 24;
