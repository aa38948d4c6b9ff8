// String kernels: Cast to and from strings (formats and parse errors), StringNormalizer (stop
// words, case, UTF-8, the empty result) and TfIdfVectorizer (skips, weighting, string tokens).
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "common/float16.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kernels/cpu/string_cast.h"
#include "kernels/cpu/string_vision_kernels.h"
#include "tests/kernels/kernel_test_util.h"
#include "tests/kernels/value_node_test.h"
#include "tests/null/test_util.h"

namespace tandem::kernels::cpu {
namespace {

using ir::Attribute;
using ir::DType;
using ir::Tensor;
using ::testing::ElementsAre;

Tensor F32(std::vector<int64_t> dims, std::vector<float> v) {
  return Tensor::FromValues(DType::kFloat32, dims, v);
}
Tensor I64(std::vector<int64_t> dims, std::vector<int64_t> v) {
  return Tensor::FromValues(DType::kInt64, dims, v);
}
Tensor I32(std::vector<int64_t> dims, std::vector<int32_t> v) {
  return Tensor::FromValues(DType::kInt32, dims, v);
}
Attribute Int(int64_t v) { return Attribute(v); }
Attribute Str(std::string v) { return Attribute(std::move(v)); }
Attribute Ints(std::vector<int64_t> v) { return Attribute(std::move(v)); }
Attribute Strs(std::vector<std::string> v) { return Attribute(std::move(v)); }

// ---- Cast

TEST(StringCastTest, FloatFormatsLikeNumpyStr) {
  EXPECT_EQ(FormatFloat(0.47892547f), "0.47892547");
  EXPECT_EQ(FormatFloat(0.9767611f), "0.9767611");
  EXPECT_EQ(FormatFloat(100.0f), "100.0");
  EXPECT_EQ(FormatFloat(-2.5f), "-2.5");
  EXPECT_EQ(FormatFloat(0.0f), "0.0");
  // As numpy: float32 0.0001 is just below 1e-4, so it prints in scientific form; double does not.
  EXPECT_EQ(FormatFloat(0.0001f), "1e-04");
  EXPECT_EQ(FormatDouble(0.0001), "0.0001");
  EXPECT_EQ(FormatFloat(1e-5f), "1e-05");
  EXPECT_EQ(FormatFloat(1.5e20f), "1.5e+20");
  EXPECT_EQ(FormatFloat(std::numeric_limits<float>::quiet_NaN()), "NaN");
  EXPECT_EQ(FormatFloat(std::numeric_limits<float>::infinity()), "INF");
  EXPECT_EQ(FormatFloat(-std::numeric_limits<float>::infinity()), "-INF");
  EXPECT_EQ(FormatDouble(0.1), "0.1");
  EXPECT_EQ(FormatDouble(0.47892547), "0.47892547");
  EXPECT_EQ(FormatDouble(1.0 / 3), "0.3333333333333333");
}

TEST(StringCastTest, NumbersToStrings) {
  ValueNodeTest t("Cast");
  t.Input(F32({2, 2}, {0.5f, -1.25f, std::nanf(""), 3.0f}))
      .Attr("to", Int(8))
      .Output(DType::kString, {2, 2});
  ASSERT_OK_AND_ASSIGN(auto out, t.Run(2));
  EXPECT_THAT(out[0].strings, ElementsAre("0.5", "-1.25", "NaN", "3.0"));
  EXPECT_THAT(out[0].dims, ElementsAre(2, 2));

  ValueNodeTest ints("Cast");
  ints.Input(Tensor::FromValues<int8_t>(DType::kInt8, {3}, {-128, 0, 127}))
      .Attr("to", Int(8))
      .Output(DType::kString, {3});
  ASSERT_OK_AND_ASSIGN(out, ints.Run());
  EXPECT_THAT(out[0].strings, ElementsAre("-128", "0", "127"));

  ValueNodeTest bools("Cast");
  bools.Input(Tensor::FromValues<uint8_t>(DType::kBool, {2}, {1, 0}))
      .Attr("to", Int(8))
      .Output(DType::kString, {2});
  ASSERT_OK_AND_ASSIGN(out, bools.Run());
  EXPECT_THAT(out[0].strings, ElementsAre("True", "False"));

  // float16 prints its own shortest digits: 0.1 is 0.0999755859375 as a half.
  ValueNodeTest half("Cast");
  half.Input(Tensor::FromValues<uint16_t>(DType::kFloat16, {2},
                                          {FloatToHalfBits(0.1f), FloatToHalfBits(1000.f)}))
      .Attr("to", Int(8))
      .Output(DType::kString, {2});
  ASSERT_OK_AND_ASSIGN(out, half.Run());
  EXPECT_THAT(out[0].strings, ElementsAre("0.1", "1000.0"));
}

TEST(StringCastTest, StringsToNumbers) {
  ValueNodeTest t("Cast");
  t.Input(Strings({6}, {"0.47892547", " +INF", "-inf", "NaN", "1E-5", "-0.5"}))
      .Attr("to", Int(1))
      .Output(DType::kFloat32, {6});
  ASSERT_OK_AND_ASSIGN(auto out, t.Run(2));
  auto v = Values<float>(out[0]);
  EXPECT_EQ(v[0], 0.47892547f);
  EXPECT_EQ(v[1], std::numeric_limits<float>::infinity());
  EXPECT_EQ(v[2], -std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(v[3]));
  EXPECT_EQ(v[4], 1e-5f);
  EXPECT_EQ(v[5], -0.5f);

  ValueNodeTest ints("Cast");
  ints.Input(Strings({5}, {"42", "+7", "-100.5", "1e3", "99999999999"}))
      .Attr("to", Int(6))
      .Output(DType::kInt32, {5});
  ASSERT_OK_AND_ASSIGN(out, ints.Run());
  EXPECT_THAT(Values<int32_t>(out[0]),
              ElementsAre(42, 7, -100, 1000, std::numeric_limits<int32_t>::max()));

  ValueNodeTest bools("Cast");
  bools.Input(Strings({4}, {"True", "false", "0", "2.5"}))
      .Attr("to", Int(9))
      .Output(DType::kBool, {4});
  ASSERT_OK_AND_ASSIGN(out, bools.Run());
  EXPECT_THAT(Values<uint8_t>(out[0]), ElementsAre(1, 0, 0, 1));

  ValueNodeTest same("CastLike");
  same.Input(Strings({2}, {"a", "b"})).Input(Strings({1}, {""})).Output(DType::kString, {2});
  ASSERT_OK_AND_ASSIGN(out, same.Run());
  EXPECT_THAT(out[0].strings, ElementsAre("a", "b"));
}

TEST(StringCastTest, BadStringIsAnErrorNamingTheElement) {
  ValueNodeTest t("Cast");
  t.Input(Strings({3}, {"1", "2", "x3"})).Attr("to", Int(11)).Output(DType::kFloat64, {3});
  EXPECT_THAT(t.Run().status(), StatusIs(absl::StatusCode::kInvalidArgument, "element 2 (\"x3\")"));
  ValueNodeTest nan_int("Cast");
  nan_int.Input(Strings({1}, {"NaN"})).Attr("to", Int(7)).Output(DType::kInt64, {1});
  EXPECT_THAT(nan_int.Run().status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "not a valid i64"));
}

// ---- StringNormalizer

TEST(StringNormalizerTest, CaseInsensitiveStopwordsAndUpper) {
  ValueNodeTest t("StringNormalizer");
  t.Input(Strings({1, 4}, {"Monday", "tuesday", "MONDAY", "wednesday"}))
      .Attr("stopwords", Strs({"monday"}))
      .Attr("case_change_action", Str("UPPER"))
      .Output(DType::kString, {1, 2});
  ASSERT_OK_AND_ASSIGN(auto out, t.Run());
  EXPECT_THAT(out[0].dims, ElementsAre(1, 2));
  EXPECT_THAT(out[0].strings, ElementsAre("TUESDAY", "WEDNESDAY"));
}

TEST(StringNormalizerTest, CaseSensitiveKeepsOtherCasings) {
  ValueNodeTest t("StringNormalizer");
  t.Input(Strings({3}, {"Monday", "monday", "Tuesday"}))
      .Attr("stopwords", Strs({"monday"}))
      .Attr("is_case_sensitive", Int(1))
      .Attr("case_change_action", Str("LOWER"))
      .DynamicOutput(DType::kString);
  ASSERT_OK_AND_ASSIGN(auto out, t.RunDynamic());
  EXPECT_THAT(out[0].dims, ElementsAre(2));
  EXPECT_THAT(out[0].strings, ElementsAre("monday", "tuesday"));
}

TEST(StringNormalizerTest, AllDroppedGivesOneEmptyString) {
  ValueNodeTest t("StringNormalizer");
  t.Input(Strings({2}, {"monday", "monday"}))
      .Attr("stopwords", Strs({"monday"}))
      .Output(DType::kString, {1});
  ASSERT_OK_AND_ASSIGN(auto out, t.Run());
  EXPECT_THAT(out[0].strings, ElementsAre(""));
}

TEST(StringNormalizerTest, PlannedSizeMismatchIsFailedPrecondition) {
  ValueNodeTest t("StringNormalizer");
  t.Input(Strings({3}, {"a", "b", "c"})).Attr("stopwords", Strs({"b"})).Output(DType::kString, {3});
  EXPECT_THAT(t.Run().status(), StatusIs(absl::StatusCode::kFailedPrecondition, "[2]"));
}

TEST(StringNormalizerTest, Utf8CaseMapping) {
  using string_vision::ChangeCase;
  EXPECT_EQ(ChangeCase("Ärger ÖL straße", false), "ärger öl straße");
  EXPECT_EQ(ChangeCase("ärger öl straße", true), "ÄRGER ÖL STRAßE");
  EXPECT_EQ(ChangeCase("Ωμέγα", true), "ΩΜΈΓΑ");
  EXPECT_EQ(ChangeCase("ΩΜΈΓΑ", false), "ωμέγα");
  EXPECT_EQ(ChangeCase("Привет Ёж", true), "ПРИВЕТ ЁЖ");
  EXPECT_EQ(ChangeCase("Łódź", false), "łódź");
  EXPECT_EQ(ChangeCase("日本 ok", true), "日本 OK");
  EXPECT_EQ(ChangeCase(std::string("\xff\xc3", 2), true),
            std::string("\xff\xc3", 2));  // invalid UTF-8 kept
}

TEST(StringNormalizerTest, RejectsBadInputs) {
  ValueNodeTest rows("StringNormalizer");
  rows.Input(Strings({2, 1}, {"a", "b"})).Output(DType::kString, {2, 1});
  EXPECT_THAT(rows.Run().status(), StatusIs(absl::StatusCode::kInvalidArgument, "[1, C]"));
  ValueNodeTest action("StringNormalizer");
  action.Input(Strings({1}, {"a"}))
      .Attr("case_change_action", Str("TITLE"))
      .Output(DType::kString, {1});
  EXPECT_THAT(action.Run().status(), StatusIs(absl::StatusCode::kInvalidArgument, "TITLE"));
}

// ---- TfIdfVectorizer (pool as in the ONNX examples: unigrams 2 3 5 4, bigrams 5 6, 7 8, 6 7)

ValueNodeTest& TfIdfAttrs(ValueNodeTest& t, int64_t min_gram, int64_t max_gram, int64_t skip,
                          std::string mode) {
  return t.Attr("min_gram_length", Int(min_gram))
      .Attr("max_gram_length", Int(max_gram))
      .Attr("max_skip_count", Int(skip))
      .Attr("mode", Str(std::move(mode)))
      .Attr("ngram_counts", Ints({0, 4}))
      .Attr("ngram_indexes", Ints({0, 1, 2, 3, 4, 5, 6}))
      .Attr("pool_int64s", Ints({2, 3, 5, 4, 5, 6, 7, 8, 6, 7}));
}

TEST(TfIdfTest, BigramsWithoutSkip) {
  ValueNodeTest t("TfIdfVectorizer");
  t.Input(I32({12}, {1, 1, 3, 3, 3, 7, 8, 6, 7, 5, 6, 8}));
  TfIdfAttrs(t, 2, 2, 0, "TF").Output(DType::kFloat32, {7});
  ASSERT_OK_AND_ASSIGN(auto out, t.Run());
  EXPECT_THAT(Values<float>(out[0]), ElementsAre(0, 0, 0, 0, 1, 1, 1));
}

TEST(TfIdfTest, UniAndBigramsWithSkipsPerRow) {
  ValueNodeTest t("TfIdfVectorizer");
  t.Input(I64({2, 6}, {1, 1, 3, 3, 3, 7, 8, 6, 7, 5, 6, 8}));
  TfIdfAttrs(t, 1, 2, 5, "TF").Output(DType::kFloat32, {2, 7});
  ASSERT_OK_AND_ASSIGN(auto out, t.Run(2));
  // Row 0: unigram 3 three times. Row 1: unigram 5 once; bigrams (5,6) adjacent, (7,8) three
  // apart (skip 2), (6,7) adjacent. (The ONNX uniandbigrams_skip5 example.)
  EXPECT_THAT(Values<float>(out[0]), ElementsAre(0, 3, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 1, 1));
}

TEST(TfIdfTest, IdfAndTfIdfWeights) {
  for (const char* mode : {"IDF", "TFIDF"}) {
    ValueNodeTest t("TfIdfVectorizer");
    t.Input(I64({4}, {3, 3, 2, 9}));
    TfIdfAttrs(t, 1, 1, 0, mode)
        .Attr("weights", Attribute(std::vector<float>{1, 2, 3, 4, 5, 6, 7}));
    t.Output(DType::kFloat32, {7});
    ASSERT_OK_AND_ASSIGN(auto out, t.Run());
    if (std::string(mode) == "IDF") {
      EXPECT_THAT(Values<float>(out[0]), ElementsAre(1, 2, 0, 0, 0, 0, 0));
    } else {
      EXPECT_THAT(Values<float>(out[0]), ElementsAre(1, 4, 0, 0, 0, 0, 0));
    }
  }
}

TEST(TfIdfTest, StringTokens) {
  ValueNodeTest t("TfIdfVectorizer");
  t.Input(Strings({5}, {"a", "x", "b", "a", "b"}))
      .Attr("min_gram_length", Int(1))
      .Attr("max_gram_length", Int(2))
      .Attr("max_skip_count", Int(1))
      .Attr("mode", Str("TF"))
      .Attr("ngram_counts", Ints({0, 2}))
      .Attr("ngram_indexes", Ints({2, 0, 1}))
      .Attr("pool_strings", Strs({"a", "b", "a", "b"}))
      .Output(DType::kFloat32, {3});
  ASSERT_OK_AND_ASSIGN(auto out, t.Run());
  // "a" x2 → index 2, "b" x2 → index 0; bigram (a,b): skip 0 at 3-4, skip 1 at 0-2 → index 1 = 2.
  EXPECT_THAT(Values<float>(out[0]), ElementsAre(2, 2, 2));
}

TEST(TfIdfTest, RejectsMalformedPools) {
  ValueNodeTest t("TfIdfVectorizer");
  t.Input(I64({2}, {1, 2}))
      .Attr("min_gram_length", Int(1))
      .Attr("max_gram_length", Int(2))
      .Attr("mode", Str("TF"))
      .Attr("ngram_counts", Ints({0, 2}))
      .Attr("ngram_indexes", Ints({0, 1, 2}))
      .Attr("pool_int64s", Ints({1, 2, 3}))  // one bigram is 2 values, not 1
      .Output(DType::kFloat32, {3});
  EXPECT_THAT(t.Run().status(), StatusIs(absl::StatusCode::kInvalidArgument, "2-grams"));
  ValueNodeTest m("TfIdfVectorizer");
  m.Input(I64({1}, {1}));
  TfIdfAttrs(m, 1, 1, 0, "BM25").Output(DType::kFloat32, {7});
  EXPECT_THAT(m.Run().status(), StatusIs(absl::StatusCode::kInvalidArgument, "BM25"));
}

}  // namespace
}  // namespace tandem::kernels::cpu
