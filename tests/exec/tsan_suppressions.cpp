// ThreadSanitizer suppressions of the thread suite (read by the TSan runtime at start-up;
// inert in other builds).
//
// libstdc++ is not built with ThreadSanitizer. An exception that crosses threads (a job's
// failure stored in its concurrent future and rethrown on the loop thread) is
// reference-counted by std::exception_ptr inside libstdc++, and std::logic_error /
// std::runtime_error share their message string the same way; TSan does not see those
// atomic counts, so when the last reference is released on the other thread the free
// looks like a race with the earlier read of the exception. Only these releases are
// suppressed: a race in corio's own code on anything else is still reported.
extern "C" const char* __tsan_default_suppressions() {
  return "race:std::__exception_ptr::exception_ptr::_M_release\n"
         "race:std::logic_error::~logic_error\n"
         "race:std::runtime_error::~runtime_error\n";
}
