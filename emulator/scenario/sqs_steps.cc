// SQS in scenarios: `sqs.send`, `import` (the import script: one message per record of a JSON
// or JSON-lines file), and `expect: {queue}` (visible, in-flight, delayed and dead-letter counts).
#include "emulator/bellyfed/import.h"
#include "emulator/core/error.h"
#include "emulator/core/time_format.h"
#include "emulator/core/yaml_json.h"
#include "emulator/scenario/loader.h"
#include "emulator/scenario/steps.h"

namespace emu::scenario {
namespace {

std::string queue_name(world& w, const std::string& n) {
  for (const auto& q : w.sys.queues)
    if (q.name == n) return w.qualified(n);
  return n;
}

sqs::queue& need_queue(world& w, const std::string& n) {
  sqs::queue* q = w.system->sqs().find(queue_name(w, n));
  if (!q) throw aws_error("QueueDoesNotExist", "queue " + queue_name(w, n) + " does not exist");
  return *q;
}

struct queue_check {
  std::string queue;
  std::shared_ptr<const expected> visible, in_flight, delayed, dlq;
};

}  // namespace

void add_sqs_steps(registry& reg) {
  reg.add_step(
      {"sqs.send", "SendMessage: {queue, body, attributes, delay, group, dedup}; a map body is sent as JSON text",
       [](const YAML::Node& p, const std::string& file, const std::string& path) {
         require_keys(p, file, path, {"queue", "body", "attributes", "delay", "group", "dedup"}, {"queue", "body"});
       },
       [](world& w, const json& p) -> json {
         sqs::queue& q = need_queue(w, p["queue"].get<std::string>());
         const json& b = p["body"];
         sqs::message_attributes attrs;
         json given = p.value("attributes", json::object());  // items() must not outlive it
         for (const auto& [k, v] : given.items())
           attrs[k] = {v.is_number() ? "Number" : "String", v.is_string() ? v.get<std::string>() : v.dump(), ""};
         std::optional<int> delay;
         if (p.contains("delay")) {
           auto d = parse_duration(p["delay"].is_string() ? p["delay"].get<std::string>() : p["delay"].dump() + "s");
           if (!d) throw aws_error::validation("delay: not a duration");
           delay = int(std::chrono::duration_cast<std::chrono::seconds>(*d).count());
         }
         std::string id = w.system->sqs().send(q.name, b.is_string() ? b.get<std::string>() : b.dump(), attrs, delay,
                                               p.value("group", ""), p.value("dedup", ""));
         return {{"MessageId", id}};
       }});

  reg.add_step({"import",
                "the import script: every record of a JSON or JSON-lines file becomes one SQS message: {file, queue}",
                [](const YAML::Node& p, const std::string& file, const std::string& path) {
                  require_keys(p, file, path, {"file", "queue"}, {"file"});
                },
                [](world& w, const json& p) -> json {
                  std::string f = p["file"];
                  // Beside the scenario or up to its project's root, as fixtures are.
                  if (std::string found = locate_beside(w.file, f); !found.empty()) f = found;
                  json records = bellyfed::read_import_file(f);
                  sqs::queue& q = need_queue(w, p.value("queue", "restaurant-import"));
                  for (const auto& r : records) w.system->sqs().send(q.name, r.dump());
                  return {{"sent", records.size()}, {"queue", q.name}};
                }});

  reg.add_expect(
      {"queue", "SQS message counts: {queue, visible, in_flight, delayed, dlq}",
       [](const YAML::Node& spec, const std::string& file, const std::string& path) {
         require_keys(spec, file, path, {"queue", "visible", "in_flight", "delayed", "dlq"}, {"queue"});
         auto c = std::make_shared<queue_check>();
         c->queue = spec["queue"].Scalar();
         auto opt = [&](const char* k) { return spec[k] ? compile_expected(spec[k], file, path + "." + k) : nullptr; };
         c->visible = opt("visible"), c->in_flight = opt("in_flight"), c->delayed = opt("delayed"), c->dlq = opt("dlq");
         return std::static_pointer_cast<const void>(c);
       },
       [](world& w, const void* compiled, const match_env& env) {
         const auto& c = *static_cast<const queue_check*>(compiled);
         sqs::queue* q = w.system->sqs().find(queue_name(w, c.queue));
         if (!q) return std::vector<mismatch>{{"$", "there is no queue " + queue_name(w, c.queue)}};
         auto n = w.system->sqs().count(*q);
         std::vector<mismatch> out;
         json vis = n.visible, fl = n.in_flight, del = n.delayed;
         if (c.visible) match(*c.visible, &vis, "$.visible", env, out);
         if (c.in_flight) match(*c.in_flight, &fl, "$.in_flight", env, out);
         if (c.delayed) match(*c.delayed, &del, "$.delayed", env, out);
         if (c.dlq) {
           json dlq_count;
           if (auto rp = q->attributes.find("RedrivePolicy"); rp != q->attributes.end()) {
             json pol = json::parse(rp->second, nullptr, false);
             std::string arn = pol.value("deadLetterTargetArn", "");
             if (sqs::queue* d = w.system->sqs().find(arn.substr(arn.find_last_of(':') + 1))) {
               auto dn = w.system->sqs().count(*d);
               dlq_count = dn.visible + dn.in_flight + dn.delayed;
             }
           }
           if (dlq_count.is_null())
             out.push_back({"$.dlq", "queue " + q->name + " has no dead-letter queue"});
           else
             match(*c.dlq, &dlq_count, "$.dlq", env, out);
         }
         return out;
       }});
}

}  // namespace emu::scenario
