using Xunit;

namespace Cart.Tests
{
    public class CartTests
    {
        [Fact]
        public void AddsPrices()
        {
            Assert.Equal(5, new Cart(2, 3).Total());
        }

        [Theory]
        [InlineData(0)]
        public void EmptyIsZero(int expected)
        {
            Assert.Equal(expected, new Cart().Total());
        }

        [Fact]
        public async Task SavesTheCart()
        {
            var saved = await new Store().Save(new Cart(1));
            Assert.True(saved.Id > 0);
        }
    }
}
