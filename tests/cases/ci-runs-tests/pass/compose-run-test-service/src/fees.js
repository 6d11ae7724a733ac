module.exports = function fee(amount) {
  return amount < 100 ? 1 : Math.round(amount * 0.01);
};
