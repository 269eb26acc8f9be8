// Faults: clients that disconnect mid-request, a slow client (one byte a second), 1,000
// malformed requests in a row; the service stays up and answers the next good request.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "server.h"

using namespace nmt::serve_test;

namespace {

int connect_to(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  return fd;
}

void send_all(int fd, const std::string& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return;
    done += static_cast<std::size_t>(n);
  }
}

void good_request_answered(const Server& s) {
  int status = 0;
  const json r = post(s, "/translate", R"({"q": "Ein Hund läuft.", "source": "de", "target": "en"})", status);
  CHECK(status == 200);
  CHECK(r["translatedText"].is_string());
}

}  // namespace

TEST_CASE("clients that disconnect mid-request: before the body ends, and before the answer") {
  Server& s = shared_server();
  for (int i = 0; i < 20; ++i) {
    const int fd = connect_to(s.port());
    send_all(fd, "POST /v1/translate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"text\": \"Ein");
    ::close(fd);
  }
  std::string text = "[";
  for (const auto& l : flickr(16)) text += json(l).dump() + ",";
  text.back() = ']';
  const std::string body = "{\"text\": " + text + ", \"beam\": 2}";
  for (int i = 0; i < 5; ++i) {
    const int fd = connect_to(s.port());
    send_all(fd, "POST /v1/translate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
                     std::to_string(body.size()) + "\r\n\r\n" + body);
    ::close(fd);  // gone while its sentences are translated
  }
  good_request_answered(s);
}

TEST_CASE("a slow client (one byte a second) holds up nobody") {
  Server s({}, "slow-client");  // its own server: nothing queued before
  const int fd = connect_to(s.port());
  const std::string request = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";
  std::thread slow([&] {
    for (std::size_t i = 0; i < 4; ++i) {
      send_all(fd, request.substr(i, 1));
      std::this_thread::sleep_for(std::chrono::seconds(1));
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const auto start = std::chrono::steady_clock::now();
  good_request_answered(s);
  good_request_answered(s);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(3));
  slow.join();
  ::close(fd);
  good_request_answered(s);
  CHECK(s.terminate(20) == 0);
}

TEST_CASE("1,000 malformed requests in a row, then a good one") {
  Server& s = shared_server();
  auto c = s.client();
  const char* bodies[] = {"{", "not json", "[]", "{\"text\": 1}", "{\"q\": [1]}", "\xff\xfe", "{\"text\": \"a\", \"beam\": -1}", ""};
  const char* paths[] = {"/v1/translate", "/translate", "/translator/translate"};
  int refused = 0;
  for (int i = 0; i < 900; ++i) {
    auto r = c.Post(paths[i % 3], bodies[i % 8], "application/json");
    REQUIRE(r);
    refused += r->status >= 400 && r->status < 500;
  }
  CHECK(refused == 900);
  // Broken HTTP itself, on fresh connections.
  const char* garbage[] = {"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", "GARBAGE\r\n\r\n", "POST / HTTP/9.9\r\n\r\n",
                           "POST /v1/translate HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
                           "GET /health HTTP/1.1\r\nHost: x\r\nX: " };
  for (int i = 0; i < 100; ++i) {
    const int fd = connect_to(s.port());
    send_all(fd, garbage[i % 5]);
    ::shutdown(fd, SHUT_WR);
    char buffer[256];
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    (void)!::recv(fd, buffer, sizeof buffer, 0);
    ::close(fd);
  }
  good_request_answered(s);
}
