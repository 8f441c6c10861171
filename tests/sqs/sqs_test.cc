// SQS in process on a virtual clock: MD5s against AWS's test vectors, visibility timeouts and
// delays, FIFO order and deduplication, redrive, and the event source mapping's partial batch
// responses exactly as AWS documents them.
#include <catch2/catch.hpp>

#include "emulator/core/error.h"
#include "emulator/core/time_format.h"
#include "emulator/sqs/mapping.h"
#include "emulator/sqs/query.h"
#include "emulator/sqs/service.h"

using emu::json;
using namespace std::chrono_literals;

namespace {
struct fixture {
  std::unique_ptr<emu::runtime> rt =
      emu::runtime::make_virtual(*emu::parse_iso8601("2024-12-01T00:00:00Z"), 1, emu::log_level::off, nullptr);
  emu::sqs::service sqs{*rt, "000000000000", "us-east-1"};
  emu::sqs::call c;
  std::string url(const std::string& n) { return sqs.url(n); }
  std::string error_of(const std::function<void()>& f) {
    try {
      f();
    } catch (const emu::aws_error& e) {
      return e.type() + " (" + e.query_code() + "): " + e.message();
    }
    return "";
  }
};
}  // namespace

TEST_CASE("MD5OfMessageAttributes matches AWS's test vectors") {
  using emu::sqs::message_attributes;
  message_attributes a = {{"attribName1", {"String", "attribValue 1", ""}}};
  CHECK(emu::sqs::md5_of_attributes(a) == "19e27d4e946b072f3f58da80d94fd778");
  message_attributes n = {{"customNumberTypeAttrib", {"Number.float", "4563442423554324324264524243.32543234", ""}}};
  CHECK(emu::sqs::md5_of_attributes(n) == "9fe1b90bbd9965bdf77bac517c7d2495");
  message_attributes b = {{"binaryAttribute", {"Binary", "", "Hello binary world!"}}};
  CHECK(emu::sqs::md5_of_attributes(b) == "31a92b15d92f8db860eda32aceb656c3");
  message_attributes all = a;
  all.insert(n.begin(), n.end());
  all.insert(b.begin(), b.end());
  CHECK(emu::sqs::md5_of_attributes(all) == "c932db14a896c663f83c260297d594ff");
  CHECK(emu::sqs::md5_of_attributes({}).empty());
}

TEST_CASE("visibility timeouts and delays run on the virtual clock") {
  fixture f;
  f.sqs.create_queue({{"QueueName", "q"}, {"Attributes", {{"VisibilityTimeout", "30"}}}}, f.c);
  f.sqs.send_message({{"QueueUrl", f.url("q")}, {"MessageBody", "now"}}, f.c);
  f.sqs.send_message({{"QueueUrl", f.url("q")}, {"MessageBody", "later"}, {"DelaySeconds", 10}}, f.c);
  json r = f.sqs.receive_message({{"QueueUrl", f.url("q")}, {"MaxNumberOfMessages", 10}}, f.c);
  REQUIRE(r["Messages"].size() == 1);
  CHECK(r["Messages"][0]["Body"] == "now");
  auto& q = *f.sqs.find("q");
  CHECK(f.sqs.count(q).in_flight == 1);
  CHECK(f.sqs.count(q).delayed == 1);
  f.rt->sched().advance(10s);
  CHECK(f.sqs.receive_message({{"QueueUrl", f.url("q")}}, f.c)["Messages"][0]["Body"] == "later");
  f.rt->sched().advance(25s);  // 35 s after the first receive: visible again
  json again = f.sqs.receive_message({{"QueueUrl", f.url("q")}, {"AttributeNames", {"ApproximateReceiveCount"}}}, f.c);
  CHECK(again["Messages"][0]["Body"] == "now");
  CHECK(again["Messages"][0]["Attributes"]["ApproximateReceiveCount"] == "2");
  // The old receipt handle no longer changes visibility; the new one does.
  CHECK(
      f.error_of([&] {
         f.sqs.change_message_visibility(
             {{"QueueUrl", f.url("q")}, {"ReceiptHandle", r["Messages"][0]["ReceiptHandle"]}, {"VisibilityTimeout", 0}},
             f.c);
       }).rfind("MessageNotInflight (AWS.SimpleQueueService.MessageNotInflight)", 0) == 0);
  // Long polls answer at once in virtual time.
  CHECK(f.sqs.receive_message({{"QueueUrl", f.url("q")}, {"WaitTimeSeconds", 20}}, f.c) == json::object());
}

TEST_CASE("FIFO queues keep group order, lock groups in flight and deduplicate") {
  fixture f;
  f.sqs.create_queue(
      {{"QueueName", "f.fifo"}, {"Attributes", {{"FifoQueue", "true"}, {"ContentBasedDeduplication", "true"}}}}, f.c);
  auto send = [&](const char* body, const char* group) {
    return f.sqs.send_message({{"QueueUrl", f.url("f.fifo")}, {"MessageBody", body}, {"MessageGroupId", group}}, f.c);
  };
  json a1 = send("a1", "A");
  CHECK(send("a1", "A")["MessageId"] == a1["MessageId"]);  // deduplicated
  send("b1", "B");
  send("a2", "A");
  json first = f.sqs.receive_message({{"QueueUrl", f.url("f.fifo")}, {"MaxNumberOfMessages", 1}}, f.c);
  CHECK(first["Messages"][0]["Body"] == "a1");
  // Group A is locked while a1 is in flight: only B's message is available.
  json next = f.sqs.receive_message({{"QueueUrl", f.url("f.fifo")}, {"MaxNumberOfMessages", 10}}, f.c);
  REQUIRE(next["Messages"].size() == 1);
  CHECK(next["Messages"][0]["Body"] == "b1");
  f.sqs.delete_message({{"QueueUrl", f.url("f.fifo")}, {"ReceiptHandle", first["Messages"][0]["ReceiptHandle"]}}, f.c);
  CHECK(f.sqs.receive_message({{"QueueUrl", f.url("f.fifo")}}, f.c)["Messages"][0]["Body"] == "a2");
  f.rt->sched().advance(6min);  // past the deduplication window, the same body is new again
  CHECK(send("a1", "A")["MessageId"] != a1["MessageId"]);
  CHECK(f.error_of([&] {
    f.sqs.send_message({{"QueueUrl", f.url("f.fifo")}, {"MessageBody", "x"}}, f.c);
  }) == "MissingParameter (MissingParameter): The request must contain the parameter MessageGroupId.");
}

TEST_CASE("validation and errors carry SQS's names and legacy codes") {
  fixture f;
  CHECK(f.error_of([&] {
    f.sqs.get_queue_url({{"QueueName", "nope"}}, f.c);
  }) == "QueueDoesNotExist (AWS.SimpleQueueService.NonExistentQueue): The specified queue does not exist.");
  f.sqs.create_queue({{"QueueName", "q"}}, f.c);
  CHECK(f.error_of([&] {
    f.sqs.receive_message({{"QueueUrl", f.url("q")}, {"MaxNumberOfMessages", 11}}, f.c);
  }) == "InvalidParameterValue (InvalidParameterValue): Value 11 for parameter MaxNumberOfMessages is invalid. Reason: "
        "Must be between 1 and 10, if provided.");
  CHECK(f.error_of([&] {
           f.sqs.send_message({{"QueueUrl", f.url("q")}, {"MessageBody", std::string("a\x01z")}}, f.c);
         }).rfind("InvalidMessageContents", 0) == 0);
  CHECK(f.error_of([&] {
           f.sqs.send_message({{"QueueUrl", f.url("q")}, {"MessageBody", std::string(262145, 'x')}}, f.c);
         }).find("Message must be shorter than 262144 bytes") != std::string::npos);
  CHECK(f.error_of([&] {
           f.sqs.create_queue({{"QueueName", "bad name!"}}, f.c);
         }).rfind("InvalidParameterValue", 0) == 0);
  f.sqs.delete_queue({{"QueueUrl", f.url("q")}}, f.c);
  CHECK(f.error_of([&] { f.sqs.create_queue({{"QueueName", "q"}}, f.c); }).rfind("QueueDeletedRecently", 0) == 0);
}

TEST_CASE("the query protocol's flattened parameters become the JSON request") {
  json r = emu::sqs::from_query({{"Action", "SendMessageBatch"},
                                 {"QueueUrl", "u"},
                                 {"SendMessageBatchRequestEntry.1.Id", "a"},
                                 {"SendMessageBatchRequestEntry.1.MessageBody", "x"},
                                 {"SendMessageBatchRequestEntry.1.MessageAttribute.1.Name", "k"},
                                 {"SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.DataType", "String"},
                                 {"SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.StringValue", "v"},
                                 {"SendMessageBatchRequestEntry.2.Id", "b"},
                                 {"SendMessageBatchRequestEntry.2.MessageBody", "y"},
                                 {"Attribute.1.Name", "VisibilityTimeout"},
                                 {"Attribute.1.Value", "5"},
                                 {"AttributeName.1", "All"}});
  CHECK(r["Entries"].size() == 2);
  CHECK(r["Entries"][0]["MessageAttributes"]["k"] == json{{"DataType", "String"}, {"StringValue", "v"}});
  CHECK(r["Attributes"]["VisibilityTimeout"] == "5");
  CHECK(r["AttributeNames"] == json({"All"}));
  std::string xml =
      emu::sqs::to_xml("ReceiveMessage", {{"Messages", {{{"MessageId", "m"}, {"Body", "a\r\n\"b\""}}}}}, "rid");
  CHECK(xml.find("<Body>a&#xD;\n&quot;b&quot;</Body>") != std::string::npos);
  CHECK(emu::sqs::to_xml("ReceiveMessage", json::object(), "rid").find("<ReceiveMessageResult/>") != std::string::npos);
}

TEST_CASE("event source mapping: batches, deletes on success, partial failures as AWS defines them") {
  fixture f;
  f.sqs.create_queue({{"QueueName", "dlq"}}, f.c);
  f.sqs.create_queue(
      {{"QueueName", "in"},
       {"Attributes",
        {{"VisibilityTimeout", "30"},
         {"RedrivePolicy",
          R"({"deadLetterTargetArn": "arn:aws:sqs:us-east-1:000000000000:dlq", "maxReceiveCount": "2"})"}}}},
      f.c);
  std::vector<json> events;
  json answer = json::object();
  emu::sqs::mapping m(*f.rt, f.sqs, {"in", "fn", 10, emu::duration(0), true, true}, [&](const json& e) {
    events.push_back(e);
    if (answer.is_string()) throw std::runtime_error("boom");
    json a = answer;
    if (a.contains("fail_first")) a = {{"batchItemFailures", {{{"itemIdentifier", e["Records"][0]["messageId"]}}}}};
    return a;
  });
  for (const char* b : {"one", "two", "three"})
    f.sqs.send_message({{"QueueUrl", f.url("in")}, {"MessageBody", b}}, f.c);
  answer = json{{"fail_first", true}};
  f.rt->sched().run_until_idle();
  REQUIRE(events.size() == 1);
  const json& rec = events[0]["Records"][0];
  CHECK(rec["eventSource"] == "aws:sqs");
  CHECK(rec["eventSourceARN"] == "arn:aws:sqs:us-east-1:000000000000:in");
  CHECK(rec["md5OfBody"] == "f97c5d29941bfb1b2fdab0874906ab82");  // md5("one")
  CHECK(rec["attributes"]["ApproximateReceiveCount"] == "1");
  CHECK(events[0]["Records"].size() == 3);
  auto& q = *f.sqs.find("in");
  CHECK(f.sqs.count(q).in_flight == 1);  // only the failed record stays
  // A malformed response (unknown id) fails the whole batch: nothing is deleted.
  answer = json{{"batchItemFailures", {{{"itemIdentifier", "not-in-batch"}}}}};
  f.rt->sched().advance(31s);
  CHECK(events.size() == 2);
  CHECK(f.sqs.count(q).in_flight == 1);
  // After maxReceiveCount receives the message goes to the dead-letter queue, not the function.
  answer = "throw";
  f.rt->sched().advance(31s);
  CHECK(events.size() == 2);
  CHECK(f.sqs.count(*f.sqs.find("dlq")).visible == 1);
  CHECK(emu::sqs::mapping::failed_ids(json{{"batchItemFailures", nullptr}}, {}) == std::vector<std::string>{});
  CHECK_FALSE(emu::sqs::mapping::failed_ids(json{{"batchItemFailure", json::array()}}, {}).has_value());
  CHECK_FALSE(emu::sqs::mapping::failed_ids(json{{"batchItemFailures", {{{"itemIdentifier", ""}}}}}, {}).has_value());
}
