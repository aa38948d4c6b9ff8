// Small helpers shared by tandem's tests.
#ifndef TANDEM_TESTS_NULL_TEST_UTIL_H_
#define TANDEM_TESTS_NULL_TEST_UTIL_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

#define TANDEM_TEST_CONCAT_INNER_(a, b) a##b
#define TANDEM_TEST_CONCAT_(a, b) TANDEM_TEST_CONCAT_INNER_(a, b)

#define EXPECT_OK(expr)                              \
  do {                                               \
    ::absl::Status tandem_s_ = (expr);               \
    EXPECT_TRUE(tandem_s_.ok()) << tandem_s_;        \
  } while (false)
#define ASSERT_OK(expr)                              \
  do {                                               \
    ::absl::Status tandem_s_ = (expr);               \
    ASSERT_TRUE(tandem_s_.ok()) << tandem_s_;        \
  } while (false)
#define ASSERT_OK_AND_ASSIGN(lhs, expr) \
  ASSERT_OK_AND_ASSIGN_IMPL_(TANDEM_TEST_CONCAT_(tandem_so_, __LINE__), lhs, expr)
#define ASSERT_OK_AND_ASSIGN_IMPL_(so, lhs, expr) \
  auto so = (expr);                               \
  ASSERT_TRUE(so.ok()) << so.status();            \
  lhs = std::move(so).value()

// Matches a non-OK status with `code` whose message contains every one of `parts`.
MATCHER_P2(StatusIs, code, substring,
           std::string("status ") + absl::StatusCodeToString(code) + " containing \"" + substring + "\"") {
  absl::Status s = arg;
  *result_listener << "status is " << s;
  return s.code() == code && std::string(s.message()).find(substring) != std::string::npos;
}

#endif  // TANDEM_TESTS_NULL_TEST_UTIL_H_
