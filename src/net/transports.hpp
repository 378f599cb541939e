// Construction of the protocol API's transports (socket_transport.cpp,
// datagram_transport.cpp), used by create_connection.cpp.
#pragma once

#include <memory>
#include <optional>

#include "corio/net/protocol.hpp"
#include "corio/net/socket_address.hpp"
#include "corio/net/transport.hpp"
#include "net/server_core.hpp"

namespace corio::detail {

/// Runs `protocol` on the connected stream socket `fd` (owned from now on): calls
/// connection_made and starts reading. `server` counts the connection, if given.
std::shared_ptr<Transport> make_socket_transport(int fd, const std::shared_ptr<Protocol>& protocol,
                                                 const SocketAddress* peer, std::shared_ptr<ServerCore> server);

/// Runs `protocol` on the datagram socket `fd` (owned, bound and/or connected).
std::shared_ptr<DatagramTransport> make_datagram_transport(int fd, const std::shared_ptr<DatagramProtocol>& protocol,
                                                           std::optional<SocketAddress> remote);

}  // namespace corio::detail
