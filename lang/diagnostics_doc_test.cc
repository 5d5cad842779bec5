// Every diagnostic code the checker and the policy front end can emit is
// documented in docs/language-diagnostics.md.
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "gtest/gtest.h"

namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(DiagnosticsDocTest, EveryCodeIsDocumented) {
  std::string doc = ReadFile("docs/language-diagnostics.md");
  ASSERT_FALSE(doc.empty()) << "docs/language-diagnostics.md not found";
  std::set<std::string> codes;
  for (const char* src : {"lang/checker.cc", "lang/frontend.cc"}) {
    std::string text = ReadFile(src);
    ASSERT_FALSE(text.empty()) << src;
    std::regex code("\"([EW]01[0-9][0-9])\"");
    for (auto it = std::sregex_iterator(text.begin(), text.end(), code);
         it != std::sregex_iterator(); ++it) {
      codes.insert((*it)[1].str());
    }
  }
  EXPECT_GE(codes.size(), 15u);
  for (const std::string& c : codes) {
    EXPECT_NE(doc.find("| " + c + " |"), std::string::npos)
        << c << " is used but not documented";
  }
}

}  // namespace
