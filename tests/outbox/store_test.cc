// The outbox store on SQLite, and on PostgreSQL when EMU_TEST_POSTGRES names one (the
// outbox_postgres test starts a throwaway server and sets it): claims with leases, per-aggregate
// heads, fenced completion, backoff to failed, poison sweeps, retention; Server Actions'
// all-or-nothing writes.
#include <catch2/catch.hpp>

#include <cstdlib>

#include "emulator/bellyfed/business.h"
#include "emulator/core/runtime.h"
#include "emulator/core/time_format.h"
#include "emulator/outbox/outbox.h"

using emu::json;
using namespace std::chrono_literals;

namespace {

// `tables`: the business tables beside outbox_events (BellyFed's for the Server Actions).
std::vector<std::unique_ptr<emu::outbox::store>> stores(const std::vector<emu::outbox::business_table>& tables = {}) {
  std::vector<std::unique_ptr<emu::outbox::store>> out;
  out.push_back(std::make_unique<emu::outbox::store>(emu::outbox::open_sqlite(""), tables));
  if (const char* url = std::getenv("EMU_TEST_POSTGRES")) {
    auto db = emu::outbox::open_postgres(url, "store_test");
    db->exec("DROP SCHEMA store_test CASCADE");
    out.push_back(std::make_unique<emu::outbox::store>(emu::outbox::open_postgres(url, "store_test"), tables));
  }
  return out;
}

emu::instant t0() { return *emu::parse_iso8601("2024-12-01T00:00:00Z"); }

void add(emu::outbox::store& st, const std::string& aggregate, int n, emu::instant at = t0()) {
  static int seq = 0;
  for (int i = 0; i < n; ++i)
    st.insert_event({"e-" + std::to_string(++seq), "restaurant", aggregate, "RESTAURANT_UPDATED", {{"n", i}}, "t"}, at);
}

}  // namespace

TEST_CASE("outbox store: claims take the head of each aggregate, under a lease", "[outbox]") {
  for (auto& st : stores()) {
    INFO((st->is_postgres() ? "postgresql" : "sqlite"));
    add(*st, "a", 3);
    add(*st, "b", 2);
    auto first = st->claim(10, "r1", t0(), 30s);
    REQUIRE(first.size() == 2);  // a's and b's oldest
    CHECK(first[0].aggregate_id == "a");
    CHECK(first[1].aggregate_id == "b");
    CHECK(first[0].attempts == 1);
    CHECK(first[0].lease_expires_at == "2024-12-01T00:00:30.000Z");
    CHECK(st->claim(10, "r2", t0() + 1s, 30s).empty());   // heads are leased
    CHECK(st->complete({first[0].id}, "r2", t0()) == 0);  // not r2's lease
    CHECK(st->complete({first[0].id}, "r1", t0() + 1s) == 1);
    auto next = st->claim(10, "r2", t0() + 2s, 30s);
    REQUIRE(next.size() == 1);  // a's second; b's head is still leased to r1
    CHECK(next[0].aggregate_id == "a");
    // r1 "crashed": its lease on b's head expires and r2 reclaims it.
    auto again = st->claim(10, "r2", t0() + 31s, 30s);
    REQUIRE(again.size() == 1);
    CHECK(again[0].aggregate_id == "b");
    CHECK(again[0].attempts == 2);
    CHECK(st->complete({again[0].id}, "r1", t0() + 32s) == 0);  // fenced
    CHECK(st->counts()["processing"] == 2);
  }
}

TEST_CASE("outbox store: failures back off, then fail; poison rows are swept; processed rows expire", "[outbox]") {
  for (auto& st : stores()) {
    INFO((st->is_postgres() ? "postgresql" : "sqlite"));
    add(*st, "a", 1);
    auto r = st->claim(1, "r1", t0(), 30s);
    REQUIRE(r.size() == 1);
    CHECK(st->fail(r[0].id, "r1", t0() + 2s, "InternalException: boom", 2) == "pending");
    CHECK(st->claim(1, "r1", t0() + 1s, 30s).empty());  // not before its retry time
    r = st->claim(1, "r1", t0() + 2s, 30s);
    REQUIRE(r.size() == 1);
    CHECK(st->fail(r[0].id, "r1", t0() + 10s, "InternalException: boom", 2) == "failed");
    auto ev = st->events();
    CHECK(ev[0].status == "failed");
    CHECK(ev[0].last_error == "InternalException: boom");
    add(*st, "b", 1);
    CHECK(st->claim(1, "r1", t0() + 3s, 30s).size() == 1);
    CHECK(st->sweep_poison(t0() + 40s, 1) == 1);  // leased once, expired: max attempts 1 → failed
    add(*st, "c", 1);
    r = st->claim(1, "r1", t0() + 50s, 30s);
    REQUIRE(r.size() == 1);
    CHECK(st->complete({r[0].id}, "r1", t0() + 50s) == 1);
    CHECK(st->delete_processed(t0() + 49s) == 0);
    CHECK(st->delete_processed(t0() + 51s) == 1);
    CHECK(st->counts() == json({{"pending", 0},
                                {"processing", 0},
                                {"processed", 0},
                                {"failed", 2},
                                {"oldest_pending_created_at", nullptr}}));
  }
}

TEST_CASE("server actions write both rows or neither", "[outbox]") {
  for (auto& st : stores(emu::bellyfed::business_tables())) {
    INFO((st->is_postgres() ? "postgresql" : "sqlite"));
    auto rt = emu::runtime::make_virtual(t0(), 1, emu::log_level::off, nullptr);
    emu::action_def create{"createRestaurant", "restaurants", "RESTAURANT_CREATED", "restaurant", false, 1};
    json ok = emu::bellyfed::run_action(
        *st, *rt, create, {{"id", "r-1"}, {"name", "Pho"}, {"address", "1 St"}, {"rating", "4.5"}}, "t-1");
    REQUIRE(ok.contains("data"));
    CHECK(ok["data"]["rating"] == 4.5);
    CHECK(st->events().size() == 1);
    CHECK(st->events()[0].payload["name"] == "Pho");
    json dup =
        emu::bellyfed::run_action(*st, *rt, create, {{"id", "r-1"}, {"name", "Pho"}, {"address", "1 St"}}, "t-2");
    CHECK(dup == json({{"error", "id: restaurant r-1 exists already"}}));
    json failed =
        emu::bellyfed::run_action(*st, *rt, create, {{"id", "r-2"}, {"name", "X"}, {"address", "Y"}}, "t-3", true);
    CHECK(failed["error"].get<std::string>().find("nothing was written") != std::string::npos);
    CHECK(st->rows("restaurants").size() == 1);
    CHECK(st->events().size() == 1);
    emu::action_def job{"createImportJob", "import_jobs", "IMPORT_JOB_CREATED", "import_job", false, 1};
    json bad = emu::bellyfed::run_action(*st, *rt, job, {{"records", "not json"}}, "");
    CHECK(bad == json({{"error", "records: must be a list of 1 to 1000 restaurant records"}}));
    json good = emu::bellyfed::run_action(*st, *rt, job, {{"id", "j-1"}, {"records", R"([{"id":"r-9"}])"}}, "");
    CHECK(good["data"]["records"] == json::parse(R"([{"id":"r-9"}])"));
  }
}
