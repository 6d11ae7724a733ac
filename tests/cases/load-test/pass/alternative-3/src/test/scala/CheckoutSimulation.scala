class CheckoutSimulation extends Simulation {
  val scn = scenario("x")
  setUp(scn.inject(atOnceUsers(10)))
}
