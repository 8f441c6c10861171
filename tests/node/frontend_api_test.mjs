// The seed's frontend `api` client ("Frontend Integration" in the architecture document), its
// fetch code unchanged apart from the TypeScript annotations, against a running serve: the
// restaurants imported through the import flow, read back through API Gateway by city, by
// cuisine, one by id, its menu and its reviews; plus what a browser sees of keys and CORS.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { startServe, stopServe } from "./harness.mjs";

const emu = process.argv[2];
const fixtures = path.resolve(path.dirname(emu), "..", "fixtures");  // build/ sits in the source tree in CI
const importFile = process.env.EMU_IMPORT_FILE || path.join(fixtures, "import", "three_restaurants.jsonl");
const { server, base } = await startServe(emu);

try {
  // --- the seed's client -------------------------------------------------------------------
  const api = {
    baseUrl: `${base}/dev`,
    headers: {
      'X-Api-Key': 'bellyfed-dev-local-key-0001',
      'Content-Type': 'application/json',
    },

    async getRestaurants(params) {
      const queryString = params ? `?${new URLSearchParams(params)}` : '';
      const response = await fetch(`${this.baseUrl}/restaurants${queryString}`, {
        headers: this.headers,
      });
      return response.json();
    },

    async getRestaurant(id) {
      const response = await fetch(`${this.baseUrl}/restaurants/${id}`, {
        headers: this.headers,
      });
      return response.json();
    },
    // "... other methods", written the same way
    async getRestaurantMenu(id) {
      const response = await fetch(`${this.baseUrl}/restaurants/${id}/menu`, { headers: this.headers });
      return response.json();
    },
    async getRestaurantReviews(id) {
      const response = await fetch(`${this.baseUrl}/restaurants/${id}/reviews`, { headers: this.headers });
      return response.json();
    },
  };

  // --- data through the import flow (SQS → Event Processor → bus → DynamoDB Import) ----------
  const r = spawnSync(emu, ["import", importFile, "--endpoint", base], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  let all;
  for (let i = 0; i < 100; i++) {  // the event source mapping polls in real time
    all = await api.getRestaurants();
    if (all.count === 3) break;
    await new Promise((res) => setTimeout(res, 50));
  }
  assert.deepEqual(all.items.map((x) => x.id), ["r-102", "r-101", "r-103"]);  // by name

  const seattle = await api.getRestaurants({ city: "Seattle" });
  assert.deepEqual(seattle.items.map((x) => x.name), ["Blue Water Taco", "Pho Place"]);
  const vietnamese = await api.getRestaurants({ cuisine: "Vietnamese" });
  assert.deepEqual(vietnamese.items.map((x) => x.name), ["Pho Place", "Rose City Pho"]);
  const both = await api.getRestaurants({ city: "Portland", cuisine: "Vietnamese" });
  assert.deepEqual(both.items.map((x) => x.id), ["r-103"]);
  // Review Stats keeps the count and average from the Review table's stream, just after the fixtures load.
  let r101;
  for (let i = 0; i < 200; i++) {
    r101 = await api.getRestaurant("r-101");
    if (r101.reviewCount === 1) break;
    await new Promise((res) => setTimeout(res, 50));
  }
  assert.deepEqual(r101, { id: "r-101", name: "Pho Place", city: "Seattle", cuisineType: "Vietnamese", rating: 4.5,
                           reviewCount: 1, averageRating: 5 });
  const menu = await api.getRestaurantMenu("r-101");
  assert.deepEqual(menu.items.map((x) => x.name), ["Pho Tai", "Spring Rolls"]);
  const reviews = await api.getRestaurantReviews("r-101");
  assert.deepEqual(reviews.items, [{ id: "v-1", rating: 5, text: "Best broth in town" }]);
  assert.deepEqual(await api.getRestaurant("r-999"), { message: "Restaurant r-999 not found" });

  // Paging with the opaque token, as a frontend would.
  const page1 = await api.getRestaurants({ limit: "1" });
  const page2 = await api.getRestaurants({ limit: "1", nextToken: page1.nextToken });
  assert.equal(page1.items[0].id, "r-102");
  assert.equal(page2.items[0].id, "r-101");

  // --- what a browser sees -------------------------------------------------------------------
  const noKey = await fetch(`${base}/dev/restaurants`);
  assert.equal(noKey.status, 403);
  assert.deepEqual(await noKey.json(), { message: "Forbidden" });
  const preflight = await fetch(`${base}/dev/restaurants`, {
    method: "OPTIONS",
    headers: { Origin: "http://localhost:3000", "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "x-api-key" },
  });
  assert.equal(preflight.status, 200);
  assert.equal(preflight.headers.get("access-control-allow-origin"), "http://localhost:3000");
  assert.match(preflight.headers.get("access-control-allow-headers"), /X-Api-Key/);
  const other = await fetch(`${base}/dev/restaurants`, { method: "OPTIONS", headers: { Origin: "https://evil.example" } });
  assert.equal(other.headers.get("access-control-allow-origin"), null);
  const traced = await fetch(`${base}/dev/restaurants/r-102`, { headers: api.headers });
  assert.match(traced.headers.get("x-amzn-trace-id"), /^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
  console.log("frontend_api_test: ok");
} finally {
  await stopServe(server);
}
