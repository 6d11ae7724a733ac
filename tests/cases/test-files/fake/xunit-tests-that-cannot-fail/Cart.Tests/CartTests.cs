using Xunit;

public class CartTests
{
    [Fact]
    public void Works() { Assert.True(true); }

    [Fact]
    public void Equal() { Assert.Equal(1, 1); }
}
