// corio::web in one include: the HTTP/1.1 server with aiohttp.web's names.
#pragma once

#include "corio/web/app_runner.hpp"
#include "corio/web/application.hpp"
#include "corio/web/exceptions.hpp"
#include "corio/web/file_response.hpp"
#include "corio/web/handler.hpp"
#include "corio/web/multipart.hpp"
#include "corio/web/request.hpp"
#include "corio/web/response.hpp"
#include "corio/web/router.hpp"
#include "corio/web/run_app.hpp"
#include "corio/web/websocket_response.hpp"
