// metrics_server.cc: accept, read one request head (bounded in size and time), answer, close.
#include "daemon/metrics_server.h"

#include <chrono>
#include <sstream>

#include <prometheus/text_serializer.h>

#include "daemon/endpoint.h"

namespace lull::daemon {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

constexpr std::size_t kMaxRequestHead = 8192;
constexpr auto kScrapeTimeout = std::chrono::seconds(10);

// One scrape connection. It owns itself through the shared_ptrs its handlers hold.
class Scrape : public std::enable_shared_from_this<Scrape> {
 public:
  Scrape(tcp::socket socket, const MetricsServer::Sources& sources)
      : socket_(std::move(socket)),
        timer_(socket_.get_executor()),
        sources_(sources),
        request_(kMaxRequestHead) {}

  void start() {
    timer_.expires_after(kScrapeTimeout);
    timer_.async_wait([self = shared_from_this()](boost::system::error_code error) {
      if (!error) self->socket_.close();  // a client that never finishes its request
    });
    asio::async_read_until(socket_, request_, "\r\n\r\n",
                           [self = shared_from_this()](boost::system::error_code error,
                                                       std::size_t) { self->respond(error); });
  }

 private:
  void respond(boost::system::error_code error) {
    if (error) {
      // An oversize head fails with not_found from the bounded streambuf.
      if (error == asio::error::not_found)
        write("431 Request Header Fields Too Large", "");
      else
        timer_.cancel();
      return;
    }
    std::istream head(&request_);
    std::string method, target;
    head >> method >> target;
    if (method != "GET" && method != "HEAD") {
      write("405 Method Not Allowed", "only GET\n");
    } else if (target == "/metrics" || target.starts_with("/metrics?")) {
      write("200 OK", method == "HEAD" ? "" : MetricsServer::render(sources_),
            "text/plain; version=0.0.4; charset=utf-8");
    } else if (target == "/") {
      write("200 OK", "lulld: metrics at /metrics\n");
    } else {
      write("404 Not Found", "not found; metrics at /metrics\n");
    }
  }

  void write(std::string_view status, std::string body,
             std::string_view type = "text/plain; charset=utf-8") {
    std::ostringstream response;
    response << "HTTP/1.1 " << status << "\r\nContent-Type: " << type
             << "\r\nContent-Length: " << body.size() << "\r\nConnection: close\r\n\r\n"
             << body;
    response_ = std::move(response).str();
    asio::async_write(socket_, asio::buffer(response_),
                      [self = shared_from_this()](boost::system::error_code, std::size_t) {
                        boost::system::error_code ignored;
                        self->socket_.shutdown(tcp::socket::shutdown_both, ignored);
                        self->socket_.close(ignored);
                        self->timer_.cancel();
                      });
  }

  tcp::socket socket_;
  asio::steady_timer timer_;
  const MetricsServer::Sources& sources_;
  asio::streambuf request_;
  std::string response_;
};

}  // namespace

MetricsServer::MetricsServer(const config::Address& listen, Sources sources)
    : acceptor_(io_, tcp_endpoint(listen)), sources_(std::move(sources)) {}

MetricsServer::~MetricsServer() {
  stop();
}

std::string MetricsServer::render(const Sources& sources) {
  std::vector<prometheus::MetricFamily> families;
  for (const auto& source : sources) {
    auto collected = source->Collect();
    families.insert(families.end(), std::make_move_iterator(collected.begin()),
                    std::make_move_iterator(collected.end()));
  }
  return prometheus::TextSerializer().Serialize(families);
}

void MetricsServer::start() {
  accept();
  thread_ = std::thread([this] { io_.run(); });
}

void MetricsServer::stop() {
  asio::post(io_, [this] {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
  });
  // Scrapes in flight finish or time out; stopping the context ends them at once instead.
  io_.stop();
  if (thread_.joinable()) thread_.join();
}

void MetricsServer::accept() {
  acceptor_.async_accept([this](boost::system::error_code error, tcp::socket socket) {
    if (error == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (!error) {
      std::make_shared<Scrape>(std::move(socket), sources_)->start();
      accept();
      return;
    }
    // Out of descriptors or memory: retrying at once would spin, so back off briefly.
    retry_timer_.expires_after(std::chrono::milliseconds(100));
    retry_timer_.async_wait([this](boost::system::error_code wait_error) {
      if (!wait_error) accept();
    });
  });
}

}  // namespace lull::daemon
