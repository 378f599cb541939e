// StreamReader without a socket, fed with feed_data/feed_eof (asyncio's test_streams
// StreamTests that use a bare StreamReader): the buffer logic, limits and errors.
#include "corio/net/stream_reader.hpp"

#include "corio/sync/exceptions.hpp"
#include "stream_test_util.hpp"

namespace corio::test {
namespace {

using ReaderTest = VirtualLoopTest;

TEST_F(ReaderTest, ReadReturnsWhatIsBufferedWithoutWaiting) {
  StreamReader r;
  r.feed_data("line1\nline2\n");
  EXPECT_EQ(run(r.read(5)), "line1");
  EXPECT_EQ(run(r.read(100)), "\nline2\n");
  EXPECT_EQ(r.buffered(), 0u);
}

TEST_F(ReaderTest, ReadWaitsForDataThenReturnsIt) {
  StreamReader r;
  auto body = [](StreamReader r) -> Coro<std::string> {
    auto feeder = create_task([](StreamReader r) -> Coro<void> {
      co_await sleep(1s);
      r.feed_data("hello");
    }(r));
    std::string s = co_await r.read(100);
    co_await feeder;
    co_return s;
  };
  EXPECT_EQ(run(body(r)), "hello");
}

TEST_F(ReaderTest, ReadAllReturnsEverythingAtEof) {
  StreamReader r;
  r.feed_data("a");
  r.feed_data("bc");
  r.feed_eof();
  EXPECT_EQ(run(r.read()), "abc");
  EXPECT_EQ(run(r.read()), "");
  EXPECT_TRUE(r.at_eof());
}

TEST_F(ReaderTest, ReadZeroReturnsEmptyAtOnce) {
  StreamReader r;
  EXPECT_EQ(run(r.read(0)), "");
}

TEST_F(ReaderTest, AtEofOnlyWhenEofFedAndBufferEmpty) {
  StreamReader r;
  EXPECT_FALSE(r.at_eof());
  r.feed_data("x");
  r.feed_eof();
  EXPECT_FALSE(r.at_eof());
  EXPECT_EQ(run(r.read(1)), "x");
  EXPECT_TRUE(r.at_eof());
}

TEST_F(ReaderTest, ReadlineSplitsLinesAndReturnsThePartialLastOne) {
  StreamReader r;
  r.feed_data("one\ntwo\nthr");
  r.feed_eof();
  EXPECT_EQ(run(r.readline()), "one\n");
  EXPECT_EQ(run(r.readline()), "two\n");
  EXPECT_EQ(run(r.readline()), "thr");
  EXPECT_EQ(run(r.readline()), "");
}

TEST_F(ReaderTest, ReadlineWaitsAcrossChunks) {
  StreamReader r;
  auto body = [](StreamReader r) -> Coro<std::string> {
    auto feeder = create_task([](StreamReader r) -> Coro<void> {
      for (const char* piece : {"ab", "c", "d\nrest"}) {
        co_await sleep(0s);
        r.feed_data(piece);
      }
    }(r));
    std::string line = co_await r.readline();
    co_await feeder;
    co_return line;
  };
  EXPECT_EQ(run(body(r)), "abcd\n");
  EXPECT_EQ(r.buffered(), 4u);
}

TEST_F(ReaderTest, ReaduntilFindsAMultiByteSeparatorSplitAcrossChunks) {
  StreamReader r;
  auto body = [](StreamReader r) -> Coro<std::string> {
    auto feeder = create_task([](StreamReader r) -> Coro<void> {
      co_await sleep(0s);
      r.feed_data("header\r");
      co_await sleep(0s);
      r.feed_data("\n\r\nbody");
    }(r));
    std::string s = co_await r.readuntil("\r\n\r\n");
    co_await feeder;
    co_return s;
  };
  EXPECT_EQ(run(body(r)), "header\r\n\r\n");
  EXPECT_EQ(run(r.read(10)), "body");
}

TEST_F(ReaderTest, ReaduntilAtEofRaisesIncompleteReadErrorWithThePartialData) {
  StreamReader r;
  r.feed_data("no separator");
  r.feed_eof();
  try {
    run(r.readuntil("\n"));
    FAIL() << "readuntil did not raise";
  } catch (const IncompleteReadError& e) {
    EXPECT_EQ(e.partial, "no separator");
    EXPECT_FALSE(e.expected.has_value());
  }
  EXPECT_EQ(r.buffered(), 0u);
}

TEST_F(ReaderTest, ReaduntilRejectsAnEmptySeparator) {
  StreamReader r;
  EXPECT_THROW(run(r.readuntil("")), ValueError);
}

TEST_F(ReaderTest, ReadexactlyRaisesIncompleteReadErrorAtEof) {
  StreamReader r;
  r.feed_data("12345");
  r.feed_eof();
  try {
    run(r.readexactly(10));
    FAIL() << "readexactly did not raise";
  } catch (const IncompleteReadError& e) {
    EXPECT_EQ(e.partial, "12345");
    EXPECT_EQ(e.expected, 10u);
    EXPECT_NE(std::string(e.what()).find("5 bytes read on a total of 10 expected bytes"), std::string::npos);
  }
}

TEST_F(ReaderTest, ReadexactlyWaitsUntilEnoughDataArrived) {
  StreamReader r;
  auto body = [](StreamReader r) -> Coro<std::string> {
    auto feeder = create_task([](StreamReader r) -> Coro<void> {
      for (int i = 0; i < 10; ++i) {
        co_await sleep(0s);
        r.feed_data(std::string(1, static_cast<char>('0' + i)));
      }
    }(r));
    std::string s = co_await r.readexactly(7);
    co_await feeder;
    co_return s;
  };
  EXPECT_EQ(run(body(r)), "0123456");
  EXPECT_EQ(run(r.readexactly(3)), "789");
}

TEST_F(ReaderTest, LimitOverrunKeepsTheDataAndTheReaderRecovers) {
  StreamReader r(8);
  r.feed_data("0123456789ABCDEF");  // no separator within the limit
  try {
    run(r.readuntil("\n"));
    FAIL() << "readuntil did not raise";
  } catch (const LimitOverrunError& e) {
    EXPECT_EQ(e.consumed, 16u);
    EXPECT_NE(std::string(e.what()).find("Separator is not found"), std::string::npos);
  }
  EXPECT_EQ(r.buffered(), 16u);  // nothing was lost
  EXPECT_EQ(run(r.readexactly(16)), "0123456789ABCDEF");
  r.feed_data("ok\n");
  EXPECT_EQ(run(r.readuntil("\n")), "ok\n");
}

TEST_F(ReaderTest, LimitOverrunWhenTheSeparatorIsFoundPastTheLimit) {
  StreamReader r(4);
  r.feed_data("toolong\nx\n");
  try {
    run(r.readuntil("\n"));
    FAIL() << "readuntil did not raise";
  } catch (const LimitOverrunError& e) {
    EXPECT_EQ(e.consumed, 7u);
    EXPECT_NE(std::string(e.what()).find("Separator is found, but chunk is longer than limit"), std::string::npos);
  }
  EXPECT_EQ(run(r.readexactly(8)), "toolong\n");
  EXPECT_EQ(run(r.readuntil("\n")), "x\n");
}

TEST_F(ReaderTest, ReadlineOverTheLimitRaisesValueErrorAndDropsTheLine) {
  StreamReader r(4);
  r.feed_data("toolong\nnext\n");
  EXPECT_THROW(run(r.readline()), ValueError);
  EXPECT_EQ(run(r.readline()), "next\n");
  r.feed_data("abcdefgh");  // no newline at all: the whole buffer goes
  EXPECT_THROW(run(r.readline()), ValueError);
  EXPECT_EQ(r.buffered(), 0u);
}

TEST_F(ReaderTest, ASecondConcurrentReadRaisesRuntimeError) {
  StreamReader r;
  auto body = [](StreamReader r) -> Coro<void> {
    auto first = create_task(r.read(10));
    co_await sleep(0s);  // first is now waiting for data
    bool raised = false;
    try {
      co_await r.readline();
    } catch (const RuntimeError&) {
      raised = true;
    }
    EXPECT_TRUE(raised);
    r.feed_data("x");
    EXPECT_EQ(co_await first, "x");
  };
  run(body(r));
}

TEST_F(ReaderTest, SetExceptionWakesAWaitingReadWithTheError) {
  StreamReader r;
  auto body = [](StreamReader r) -> Coro<void> {
    auto reading = create_task(r.readline());
    co_await sleep(0s);
    r.set_exception(std::make_exception_ptr(ValueError("boom")));
    bool raised = false;
    try {
      co_await reading;
    } catch (const ValueError& e) {
      raised = std::string(e.what()) == "boom";
    }
    EXPECT_TRUE(raised);
  };
  run(body(r));
  EXPECT_TRUE(r.exception() != nullptr);
}

TEST_F(ReaderTest, FeedEofWakesAWaitingRead) {
  StreamReader r;
  auto body = [](StreamReader r) -> Coro<std::string> {
    auto reading = create_task(r.read(10));
    co_await sleep(0s);
    r.feed_eof();
    co_return co_await reading;
  };
  EXPECT_EQ(run(body(r)), "");
}

TEST_F(ReaderTest, ACancelledReadLosesNoBytes) {
  StreamReader r;
  auto body = [](StreamReader r) -> Coro<void> {
    auto reading = create_task(r.readexactly(6));
    co_await sleep(0s);
    r.feed_data("abc");  // not enough: the read keeps waiting
    co_await sleep(0s);
    reading.cancel();
    bool cancelled = false;
    try {
      co_await reading;
    } catch (const CancelledError&) {
      cancelled = true;
    }
    EXPECT_TRUE(cancelled);
    EXPECT_EQ(r.buffered(), 3u);
    r.feed_data("def");
    EXPECT_EQ(co_await r.readexactly(6), "abcdef");
  };
  run(body(r));
}

TEST_F(ReaderTest, ALimitOfZeroIsRejected) {
  EXPECT_THROW(StreamReader(0), ValueError);
  EXPECT_THROW(run(open_connection("127.0.0.1", 9, {.limit = 0})), ValueError);
}

TEST_F(ReaderTest, FeedDataAfterFeedEofRaisesRuntimeError) {
  StreamReader r;
  r.feed_eof();
  EXPECT_THROW(r.feed_data("late"), RuntimeError);
}

}  // namespace
}  // namespace corio::test
