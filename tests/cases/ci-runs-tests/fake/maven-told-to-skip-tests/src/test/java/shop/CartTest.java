package shop;

import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;

class CartTest {
    @Test
    void addsPrices() {
        assertEquals(5, Cart.total(2, 3));
    }
}
