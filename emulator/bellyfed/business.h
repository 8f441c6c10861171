// BellyFed's business side of the outbox store (seed Figure 3): the tables its Next.js Server
// Actions write (`restaurants`, `reviews`, `import_jobs`) and the actions themselves.
#pragma once

#include <string>
#include <vector>

#include "emulator/core/runtime.h"
#include "emulator/core/system_def.h"
#include "emulator/outbox/store.h"

namespace emu::bellyfed {

// The business tables, for outbox::store's constructor (business.cc).
const std::vector<outbox::business_table>& business_tables();
// Whether `name` is one of them (scenario fixtures and `expect: rows` check names at load).
bool is_business_table(const std::string& name);

// A Server Action — createRestaurant, updateRestaurant, createReview or createImportJob, chosen by
// the action's table and mode: validate the input (a message per field), then in one transaction
// write the business row and the outbox row; answer {"data": row} or {"error": "…"} like the
// seed's createRestaurant. Anything failing rolls both back. `fail_after_business_row` makes the
// transaction fail between the two writes (the scenario fault `outbox: fail-write`). actions.cc.
json run_action(outbox::store& st, runtime& rt, const action_def& a, const json& input, const std::string& trace_id,
                bool fail_after_business_row = false);

}  // namespace emu::bellyfed
