import { randomUUID } from "node:crypto";

/**
 * A write id: a UUID version 7 (RFC 9562), whose first 48 bits are the time in milliseconds and
 * the rest random. Ids made close in time sort together, so the unique index on `write_id` grows
 * at its right edge as the other trial indexes do, instead of touching a random page per write.
 */
export function newWriteId(now: number = Date.now()): string {
  const random = randomUUID(); // xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx, variant bits already set
  const time = now.toString(16).padStart(12, "0");
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${random.slice(15)}`;
}
