// Review Stats: the Review table's stream keeps each restaurant's review count and average
// rating on its FoodEstablishment item (reviewCount, ratingSum, averageRating).
//
// A stream delivers at least once — a failed batch is sent again, records it already applied
// included — so each record is applied only if it is newer than the last one applied to that
// restaurant (lastReviewSequence; sequence numbers have one width, so text order is number
// order). A review of a restaurant not in DynamoDB changes nothing. Reviews without a numeric
// rating are not counted.
#include <cmath>
#include <cstdio>

#include "emulator/bellyfed/handlers.h"
#include "emulator/core/error.h"
#include "emulator/dynamo/value.h"

namespace emu::bellyfed {
namespace {

// The rating of a stream image, if it has a numeric one.
std::optional<double> rating_of(const json& record, const char* image) {
  const json& d = record["dynamodb"];
  auto it = d.find(image);
  if (it == d.end() || !it->contains("rating") || !(*it)["rating"].contains("N")) return std::nullopt;
  try {
    return std::stod((*it)["rating"]["N"].get<std::string>());
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string number_text(double v) {
  char b[64];
  std::snprintf(b, sizeof b, "%.10g", v);
  return b;
}

}  // namespace

functions::handler review_stats(function_env& env) {
  return [&env](const json& event, const functions::context& ctx) -> json {
    if (!event.is_object() || !event.contains("Records") || !event["Records"].is_array())
      throw aws_error::validation("ReviewStats: expected DynamoDB stream records (Records)");
    int applied = 0, skipped = 0;
    for (const json& r : event["Records"]) {
      std::string kind = r.value("eventName", "");
      const json& keys = r["dynamodb"]["Keys"];
      std::string pk = keys.contains("PK") && keys["PK"].contains("S") ? keys["PK"]["S"].get<std::string>() : "";
      std::string seq = r["dynamodb"].value("SequenceNumber", "");
      if (!pk.starts_with("EST#") || seq.empty()) {
        ++skipped;
        continue;
      }
      auto before = kind == "INSERT" ? std::nullopt : rating_of(r, "OldImage");
      auto after = kind == "REMOVE" ? std::nullopt : rating_of(r, "NewImage");
      double count = (after ? 1 : 0) - (before ? 1 : 0);
      double sum = after.value_or(0) - before.value_or(0);
      if (count == 0 && sum == 0) {
        ++skipped;
        continue;
      }
      std::string id = pk.substr(4);
      json key = {{"PK", {{"S", pk}}}, {"SK", {{"S", "META#" + id}}}};
      json updated;
      try {
        updated = env.dynamo(
            "UpdateItem",
            {{"TableName", env.table("FoodEstablishment")},
             {"Key", key},
             {"UpdateExpression", "ADD reviewCount :c, ratingSum :s SET lastReviewSequence = :seq"},
             {"ConditionExpression",
              "attribute_exists(PK) AND (attribute_not_exists(lastReviewSequence) OR lastReviewSequence < :seq)"},
             {"ExpressionAttributeValues",
              {{":c", {{"N", number_text(count)}}}, {":s", {{"N", number_text(sum)}}}, {":seq", {{"S", seq}}}}},
             {"ReturnValues", "ALL_NEW"}})["Attributes"];
      } catch (const aws_error& e) {
        if (e.type() != "ConditionalCheckFailedException") throw;
        ctx.log("review record " + seq + " of " + id + ": restaurant missing or record applied already; skipped");
        ++skipped;
        continue;
      }
      double n = std::stod(updated["reviewCount"]["N"].get<std::string>());
      double total = std::stod(updated["ratingSum"]["N"].get<std::string>());
      double average = n > 0 ? std::round(total / n * 100) / 100 : 0;
      env.dynamo("UpdateItem",
                 {{"TableName", env.table("FoodEstablishment")},
                  {"Key", key},
                  {"UpdateExpression", "SET averageRating = :a"},
                  {"ConditionExpression", "lastReviewSequence = :seq"},
                  {"ExpressionAttributeValues", {{":a", {{"N", number_text(average)}}}, {":seq", {{"S", seq}}}}}});
      ctx.log("restaurant " + id + ": " + number_text(n) + " rated reviews, average " + number_text(average));
      ++applied;
    }
    return {{"applied", applied}, {"skipped", skipped}};
  };
}

}  // namespace emu::bellyfed
