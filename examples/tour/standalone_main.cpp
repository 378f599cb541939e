// main() of each single-example executable (build/<dir>/examples/seeds/<seed>_<name>):
// runs the one stop linked in, plainly, or judged like the tour with --check.
#include "tour.hpp"

int main(int argc, char** argv) { return corio::tour::standalone_main(argc, argv); }
