// Seed 003, examples 9 and 10: per-thread data. Passing a Student through every call is
// clumsy, a global dict keyed by the current thread is ugly; threading.local() gives
// each thread its own attributes. And the asyncio version of the question: tasks share
// their thread, so per-task data is a contextvars.ContextVar.
//
//   local_school = threading.local()
//   def process_student():
//       print 'Hello, %s (in %s)' % (local_school.student, threading.current_thread().name)
//   def process_thread(name):
//       local_school.student = name
//       process_student()
//   t1 = threading.Thread(target=process_thread, args=('Alice',), name='Thread-A')
//   t2 = threading.Thread(target=process_thread, args=('Bob',), name='Thread-B')
//
// Shows: a thread_local variable (threading.local) is one variable per thread: both
// threads write `student` and each reads back its own. The seed's global_dict
// [threading.current_thread()] (example 9) is what thread_local does for you.
//
// Then two tasks on one loop, i.e. on one thread: a thread_local is shared by them (the
// second task's write is what the first one reads), while a corio::ContextVar, like
// Python's ContextVar, is per task: each task reads back its own student.
//
// Difference: Python's threading.local takes any attribute; a C++ thread_local is
// declared with its type.
#include <corio/corio.hpp>

#include <cstdio>
#include <string>
#include <thread>

#include "corio/exec/context_var.hpp"
#include "corio/exec/thread_name.hpp"
#include "tour.hpp"

namespace seed003 {
namespace {

thread_local std::string local_school_student;  // local_school.student

void process_student() {
  std::printf("Hello, %s (in %s)\n", local_school_student.c_str(), corio::current_thread_name().c_str());
}

void process_thread(std::string name) {
  local_school_student = std::move(name);
  process_student();
}

corio::ContextVar<std::string> student("student");

corio::Coro<void> process_student_task(std::string name, bool context_var) {
  if (context_var) {
    student.set(name);
  } else {
    local_school_student = name;
  }
  co_await corio::sleep(std::chrono::seconds(0));  // the other task runs here
  const std::string& who = context_var ? student.get() : local_school_student;
  std::printf("  task %s: Hello, %s (in %s)\n", name.c_str(), who.c_str(), corio::current_thread_name().c_str());
}

corio::Coro<void> two_tasks(bool context_var) {
  co_await corio::gather(process_student_task("Alice", context_var), process_student_task("Bob", context_var));
}

}  // namespace

int threads_local_main() {
  std::thread t1([] {
    corio::set_current_thread_name("Thread-A");
    process_thread("Alice");
  });
  std::thread t2([] {
    corio::set_current_thread_name("Thread-B");
    process_thread("Bob");
  });
  t1.join();
  t2.join();

  std::printf("two tasks on one thread, with a thread_local:\n");
  corio::run(two_tasks(false));
  std::printf("two tasks on one thread, with a ContextVar:\n");
  corio::run(two_tasks(true));
  return 0;
}

}  // namespace seed003

CORIO_TOUR_STOP({
    .seed = "003",
    .index = 10,
    .name = "threads_local",
    .title = "threading.local(): each thread its own student; across tasks a ContextVar (also 003.9)",
    .python = "local_school = threading.local(); local_school.student = name; "
              "print 'Hello, %s (in %s)' % (local_school.student, threading.current_thread().name)",
    .shows = "thread_local is per thread, so tasks sharing a thread share it; ContextVar is per task",
    .run = &seed003::threads_local_main,
    .check =
        [](corio::tour::Check& c) {
          // The two threads run at the same time: their lines may come in either order.
          c.expect(c.count(R"(Hello, Alice \(in Thread-A\))") == 1, "Thread-A must see Alice");
          c.expect(c.count(R"(Hello, Bob \(in Thread-B\))") == 1, "Thread-B must see Bob");
          const auto& out = c.transcript().out;
          c.expect(out.size() == 8, "expected 8 lines");
          if (out.size() != 8) return;
          c.expect(out[2].text == "two tasks on one thread, with a thread_local:", "line 3");
          c.expect(out[3].text == "  task Alice: Hello, Bob (in MainThread)", "the thread_local is shared by the tasks");
          c.expect(out[4].text == "  task Bob: Hello, Bob (in MainThread)", "line 5");
          c.expect(out[5].text == "two tasks on one thread, with a ContextVar:", "line 6");
          c.expect(out[6].text == "  task Alice: Hello, Alice (in MainThread)", "the ContextVar is per task");
          c.expect(out[7].text == "  task Bob: Hello, Bob (in MainThread)", "line 8");
        },
});
