#include "engine/service/metrics_http.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"

namespace onus::engine {
namespace {

struct Response {
  int status = 200;
  std::string reason = "OK";
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::string extra_headers;
  bool head_only = false;

  std::string Serialize() const {
    std::string out = absl::StrCat("HTTP/1.1 ", status, " ", reason,
                                   "\r\nContent-Type: ", content_type,
                                   "\r\nContent-Length: ", body.size(), "\r\n",
                                   extra_headers, "Connection: close\r\n\r\n");
    if (!head_only) out += body;
    return out;
  }
};

Response Error(int status, absl::string_view reason, absl::string_view why) {
  Response r;
  r.status = status;
  r.reason = std::string(reason);
  r.body = absl::StrCat(status, " ", reason, ": ", why, "\n");
  return r;
}

bool IsTokenChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
         absl::StrContains("!#$%&'*+-.^_`|~", c);
}

bool IsToken(absl::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), IsTokenChar);
}

// End of the request head ("\r\n\r\n"; bare "\n\n" tolerated), or npos.
size_t HeadEnd(absl::string_view in) {
  size_t crlf = in.find("\r\n\r\n");
  size_t lf = in.find("\n\n");
  if (crlf != absl::string_view::npos &&
      (lf == absl::string_view::npos || crlf + 2 < lf)) {
    return crlf + 4;
  }
  if (lf != absl::string_view::npos) return lf + 2;
  return absl::string_view::npos;
}

// The answer to one complete request head.
Response Answer(absl::string_view head,
                const std::function<std::string()>& render) {
  std::vector<absl::string_view> lines = absl::StrSplit(head, '\n');
  for (absl::string_view& l : lines) absl::ConsumeSuffix(&l, "\r");
  if (lines.empty() || lines[0].empty()) {
    return Error(400, "Bad Request", "empty request line");
  }
  for (absl::string_view l : lines) {
    for (char c : l) {
      unsigned char u = static_cast<unsigned char>(c);
      if ((u < 0x20 && c != '\t') || u == 0x7f) {
        return Error(400, "Bad Request", "control character in the request");
      }
    }
  }
  std::vector<absl::string_view> parts = absl::StrSplit(lines[0], ' ');
  if (parts.size() != 3 || !IsToken(parts[0]) || parts[1].empty()) {
    return Error(400, "Bad Request",
                 "request line is not `METHOD TARGET HTTP/1.1`");
  }
  absl::string_view method = parts[0], target = parts[1], version = parts[2];
  if (!absl::StartsWith(version, "HTTP/")) {
    return Error(400, "Bad Request", "not an HTTP request");
  }
  if (version != "HTTP/1.1" && version != "HTTP/1.0") {
    return Error(505, "HTTP Version Not Supported", "use HTTP/1.1");
  }
  bool have_host = false;
  for (size_t i = 1; i < lines.size(); ++i) {
    if (lines[i].empty()) continue;
    size_t colon = lines[i].find(':');
    if (colon == absl::string_view::npos ||
        !IsToken(lines[i].substr(0, colon))) {
      return Error(400, "Bad Request", "malformed header line");
    }
    if (absl::EqualsIgnoreCase(lines[i].substr(0, colon), "host")) {
      have_host = true;
    }
  }
  // RFC 9112 section 3.2: an HTTP/1.1 request without Host is a 400.
  if (version == "HTTP/1.1" && !have_host) {
    return Error(400, "Bad Request", "HTTP/1.1 request without Host");
  }
  // Absolute form (proxies): keep only the path.
  if (absl::StartsWithIgnoreCase(target, "http://")) {
    target.remove_prefix(7);
    size_t slash = target.find('/');
    target = slash == absl::string_view::npos ? "/" : target.substr(slash);
  }
  if (target[0] != '/') {
    return Error(400, "Bad Request", "request target must be a path");
  }
  absl::string_view path = target.substr(0, target.find('?'));
  if (path != "/metrics") {
    return Error(404, "Not Found", "the only path is /metrics");
  }
  if (method != "GET" && method != "HEAD") {
    Response r = Error(405, "Method Not Allowed", "use GET");
    r.extra_headers = "Allow: GET, HEAD\r\n";
    return r;
  }
  Response r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = render();
  r.head_only = method == "HEAD";
  return r;
}

void SetNonBlocking(int fd) {
  int flags = fcntl(fd, F_GETFL, 0);
  fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

bool IsLoopback(const sockaddr* sa) {
  if (sa->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(sa);
    return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
  }
  if (sa->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
    if (IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr)) return true;
    return IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) &&
           in6->sin6_addr.s6_addr[12] == 127;
  }
  return false;
}

struct Conn {
  enum State { kReading, kWriting, kDraining } state = kReading;
  int fd = -1;
  std::string in, out;
  size_t sent = 0;
  absl::Time deadline;
};

}  // namespace

absl::StatusOr<std::unique_ptr<MetricsHttpServer>> MetricsHttpServer::Start(
    const MetricsHttpOptions& options, std::function<std::string()> render) {
  absl::string_view listen = options.listen;
  std::string host, port;
  if (absl::StartsWith(listen, "[")) {
    size_t close = listen.find(']');
    if (close == absl::string_view::npos || close + 1 >= listen.size() ||
        listen[close + 1] != ':') {
      return absl::InvalidArgumentError(
          absl::StrCat("metrics address ", listen, ": expected [IPV6]:PORT"));
    }
    host = std::string(listen.substr(1, close - 1));
    port = std::string(listen.substr(close + 2));
  } else {
    size_t colon = listen.rfind(':');
    if (colon == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("metrics address ", listen, ": expected HOST:PORT"));
    }
    host = std::string(listen.substr(0, colon));
    port = std::string(listen.substr(colon + 1));
  }
  int port_number = -1;
  if (host.empty() || !absl::SimpleAtoi(port, &port_number) ||
      port_number < 0 || port_number > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("metrics address ", listen,
                     ": expected HOST:PORT with a port 0-65535"));
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &res);
  if (rc != 0 || res == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("metrics address ", listen,
                                                   ": cannot resolve ", host,
                                                   ": ", gai_strerror(rc)));
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> guard(res, freeaddrinfo);
  if (!options.allow_remote && !IsLoopback(res->ai_addr)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "refusing the metrics endpoint on non-loopback address ", listen,
        " (it is plain HTTP; use --allow-remote-metrics behind a trusted "
        "network)"));
  }
  int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return absl::InternalError(
        absl::StrCat("metrics socket: ", std::strerror(errno)));
  }
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (bind(fd, res->ai_addr, res->ai_addrlen) != 0 || ::listen(fd, 64) != 0) {
    int err = errno;
    close(fd);
    return absl::UnavailableError(absl::StrCat(
        "cannot listen for metrics on ", listen, ": ", std::strerror(err)));
  }
  SetNonBlocking(fd);
  sockaddr_storage bound{};
  socklen_t len = sizeof(bound);
  getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len);
  std::unique_ptr<MetricsHttpServer> s(new MetricsHttpServer());
  s->port_ = bound.ss_family == AF_INET6
                 ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                 : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  s->options_ = options;
  s->render_ = std::move(render);
  s->listen_fd_ = fd;
  if (pipe2(s->wake_fd_, O_CLOEXEC | O_NONBLOCK) != 0) {
    close(fd);
    s->listen_fd_ = -1;
    return absl::InternalError(
        absl::StrCat("metrics pipe: ", std::strerror(errno)));
  }
  s->thread_ = std::thread([p = s.get()] { p->Loop(); });
  return s;
}

MetricsHttpServer::~MetricsHttpServer() { Stop(); }

void MetricsHttpServer::Stop() {
  if (!thread_.joinable()) return;
  char b = 1;
  (void)!write(wake_fd_[1], &b, 1);
  thread_.join();
  for (int& fd :
       {std::ref(listen_fd_), std::ref(wake_fd_[0]), std::ref(wake_fd_[1])}) {
    if (fd >= 0) close(fd);
    fd = -1;
  }
}

void MetricsHttpServer::Loop() {
  std::vector<Conn> conns;
  auto respond = [&](Conn& c, const Response& r) {
    c.out = r.Serialize();
    c.sent = 0;
    c.state = Conn::kWriting;
    c.deadline = absl::Now() + options_.request_timeout;
  };
  for (;;) {
    std::vector<pollfd> fds;
    fds.push_back({wake_fd_[0], POLLIN, 0});
    const bool full =
        static_cast<int>(conns.size()) >= options_.max_connections;
    fds.push_back({full ? -1 : listen_fd_, POLLIN, 0});
    absl::Time now = absl::Now();
    absl::Duration wait = absl::Seconds(1);
    for (const Conn& c : conns) {
      fds.push_back(
          {c.fd,
           static_cast<short>(c.state == Conn::kWriting ? POLLOUT : POLLIN),
           0});
      wait = std::min(wait, std::max(absl::ZeroDuration(), c.deadline - now));
    }
    int n = poll(fds.data(), fds.size(),
                 static_cast<int>(absl::ToInt64Milliseconds(wait)) + 1);
    if (n < 0 && errno != EINTR) break;
    if (fds[0].revents != 0) break;  // Stop()
    now = absl::Now();

    for (size_t i = 0; i < conns.size(); ++i) {
      Conn& c = conns[i];
      short ev = fds[i + 2].revents;
      if (c.state == Conn::kReading && (ev & (POLLIN | POLLHUP | POLLERR))) {
        char buf[4096];
        ssize_t got = recv(c.fd, buf, sizeof(buf), 0);
        if (got > 0) {
          c.in.append(buf, static_cast<size_t>(got));
          size_t end = HeadEnd(c.in);
          if (end != std::string::npos && end <= options_.max_request_bytes) {
            respond(c, Answer(absl::string_view(c.in).substr(0, end), render_));
          } else if (c.in.size() > options_.max_request_bytes) {
            respond(c,
                    Error(431, "Request Header Fields Too Large",
                          absl::StrCat("request head over ",
                                       options_.max_request_bytes, " bytes")));
          }
        } else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
          // The client closed before a complete request.
          if (got == 0 && !c.in.empty()) {
            respond(c, Error(400, "Bad Request", "incomplete request"));
          } else {
            c.state = Conn::kDraining;
            c.deadline = now;  // close below
          }
        }
      } else if (c.state == Conn::kWriting &&
                 (ev & (POLLOUT | POLLERR | POLLHUP))) {
        ssize_t put = send(c.fd, c.out.data() + c.sent, c.out.size() - c.sent,
                           MSG_NOSIGNAL);
        if (put > 0) c.sent += static_cast<size_t>(put);
        if (put < 0 && errno != EAGAIN && errno != EINTR) {
          c.state = Conn::kDraining;
          c.deadline = now;
        } else if (c.sent == c.out.size()) {
          // Half-close, then read until the client closes: closing with
          // unread input would reset the connection and could discard the
          // response before the client reads it.
          shutdown(c.fd, SHUT_WR);
          c.state = Conn::kDraining;
          c.deadline = now + absl::Seconds(1);
        }
      } else if (c.state == Conn::kDraining &&
                 (ev & (POLLIN | POLLHUP | POLLERR))) {
        char buf[4096];
        ssize_t got = recv(c.fd, buf, sizeof(buf), 0);
        if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) {
          c.deadline = now;
        }
      }
      if (now >= c.deadline) {
        if (c.state == Conn::kReading) {
          // Too slow: best-effort 408, then close.
          std::string r = Error(408, "Request Timeout",
                                "the request did not arrive in time")
                              .Serialize();
          (void)!send(c.fd, r.data(), r.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        }
        close(c.fd);
        c.fd = -1;
      }
    }
    conns.erase(std::remove_if(conns.begin(), conns.end(),
                               [](const Conn& c) { return c.fd < 0; }),
                conns.end());

    if (fds[1].revents & POLLIN) {
      // At capacity, further connections wait in the listen backlog (the
      // listener is left out of poll) until a slot frees: every connection
      // ends within request_timeout plus the time to write its answer.
      while (static_cast<int>(conns.size()) < options_.max_connections) {
        int fd =
            accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) break;
        Conn c;
        c.fd = fd;
        c.deadline = now + options_.request_timeout;
        conns.push_back(std::move(c));
      }
    }
  }
  for (Conn& c : conns) close(c.fd);
}

}  // namespace onus::engine
