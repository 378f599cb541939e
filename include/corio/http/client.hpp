// The HTTP client in one include: ClientSession, ClientResponse, ContentReader,
// TCPConnector, ClientTimeout, CookieJar, URL and the client's exceptions (aiohttp's
// client API).
#pragma once

#include "corio/http/client_exceptions.hpp"
#include "corio/http/client_response.hpp"
#include "corio/http/client_session.hpp"
#include "corio/http/client_timeout.hpp"
#include "corio/http/content_reader.hpp"
#include "corio/http/cookie_jar.hpp"
#include "corio/http/form_data.hpp"
#include "corio/http/multidict.hpp"
#include "corio/http/query.hpp"
#include "corio/http/tcp_connector.hpp"
#include "corio/http/url.hpp"
