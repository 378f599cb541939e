// The exec layer in one include: threads and loops per thread (concurrent.futures,
// threading, and asyncio's thread entry points). Link corio::exec.
#pragma once

#include "corio/exec/channel.hpp"
#include "corio/exec/concurrent_future.hpp"
#include "corio/exec/context_var.hpp"
#include "corio/exec/executor.hpp"
#include "corio/exec/loop_thread.hpp"
#include "corio/exec/multi_loop.hpp"
#include "corio/exec/run_coroutine_threadsafe.hpp"
#include "corio/exec/run_in_executor.hpp"
#include "corio/exec/thread_name.hpp"
#include "corio/exec/thread_pool_executor.hpp"
#include "corio/exec/wrap_future.hpp"
