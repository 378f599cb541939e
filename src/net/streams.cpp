// open_connection, start_server and their Unix twins: connection set-up around
// StreamState.
#include "corio/net/streams.hpp"

#include <cerrno>

#include "corio/loop/event_loop.hpp"
#include "net/connect.hpp"
#include "net/server_core.hpp"
#include "net/stream_state.hpp"

namespace corio {

namespace detail {
namespace {

// A stream pair over the connected socket `fd` (owned from now on).
StreamPair make_stream_pair(int fd, std::size_t limit, const SocketAddress* peer) {
  auto* s = new StreamState(&running_loop_ref(), fd, limit, peer);
  return StreamPair{StreamReader::adopt(s->new_handle()), StreamWriter::adopt(s->new_handle())};
}

// The task of one accepted connection: the user's callback, whose failure is reported
// and closes the connection (asyncio's StreamReaderProtocol does the same).
Coro<void> run_client(std::shared_ptr<ServerCore> core, std::shared_ptr<ClientConnectedCallback> cb,
                      StreamReader reader, StreamWriter writer) {
  struct Done {
    ServerCore* core;
    ~Done() { core->drop_active(); }
  } done{core.get()};
  StreamWriter keep = writer;
  std::exception_ptr err;
  try {
    co_await (*cb)(std::move(reader), std::move(writer));
  } catch (const CancelledError&) {
    keep.close();
    throw;
  } catch (...) {
    err = std::current_exception();
  }
  if (err) {
    core->loop->call_exception_handler(ExceptionContext{"Unhandled exception in client_connected_cb", err,
                                                        current_task().get_name(), {}});
    keep.close();
  }
}

void serve_streams(ServerCore& core, ClientConnectedCallback cb, std::size_t limit) {
  auto shared_cb = std::make_shared<ClientConnectedCallback>(std::move(cb));
  ServerCore* c = &core;
  core.on_accept = [c, shared_cb, limit](int fd, const SocketAddress& peer) {
    auto* s = new StreamState(c->loop, fd, limit, &peer);
    StreamReader reader = StreamReader::adopt(s->new_handle());
    StreamWriter writer = StreamWriter::adopt(s->new_handle());
    s->attach_to(c->shared_from_this());
    c->loop->create_task(run_client(c->shared_from_this(), shared_cb, std::move(reader), std::move(writer)));
    c->add_active();  // the callback's task (dropped when it ends)
  };
}

Server finish_server(std::shared_ptr<ServerCore> core, ClientConnectedCallback cb, const ServerOptions& o) {
  check_limit(o.limit);
  core->backlog = o.backlog;
  serve_streams(*core, std::move(cb), o.limit);
  if (o.start_serving) core->start_serving();
  return Server(std::move(core));
}

}  // namespace
}  // namespace detail

Coro<StreamPair> open_connection(std::string host, std::uint16_t port, ConnectionOptions o) {
  detail::check_limit(o.limit);
  auto [sock, peer] = co_await detail::connect_stream(std::move(host), port, o.family, o.local_addr);
  co_return detail::make_stream_pair(sock.release(), o.limit, &peer);
}

Coro<StreamPair> open_connection(Socket sock, ConnectionOptions o) {
  detail::check_limit(o.limit);
  co_return detail::make_stream_pair(sock.release(), o.limit, nullptr);
}

Coro<StreamPair> open_unix_connection(std::string path, ConnectionOptions o) {
  detail::check_limit(o.limit);
  Socket sock = co_await detail::connect_unix(path);
  SocketAddress peer = SocketAddress::unix_path(path);
  co_return detail::make_stream_pair(sock.release(), o.limit, &peer);
}

Coro<Server> start_server(ClientConnectedCallback cb, std::string host, std::uint16_t port, ServerOptions o) {
  auto core = std::make_shared<detail::ServerCore>(&detail::running_loop_ref());
  core->listeners = co_await detail::bind_stream_listeners(std::move(host), port, o);
  co_return detail::finish_server(std::move(core), std::move(cb), o);
}

Coro<Server> start_server(ClientConnectedCallback cb, Socket sock, ServerOptions o) {
  auto core = std::make_shared<detail::ServerCore>(&detail::running_loop_ref());
  core->listeners.push_back(std::move(sock));
  co_return detail::finish_server(std::move(core), std::move(cb), o);
}

Coro<Server> start_unix_server(ClientConnectedCallback cb, std::string path, ServerOptions o) {
  auto core = std::make_shared<detail::ServerCore>(&detail::running_loop_ref());
  core->listeners.push_back(detail::bind_unix_listener(path, &core->unix_dev, &core->unix_ino));
  core->unix_path = path;
  co_return detail::finish_server(std::move(core), std::move(cb), o);
}

}  // namespace corio
