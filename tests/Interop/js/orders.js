// Drives the Order flow of a FlowSdk host on NATS from JavaScript (docs/nats.md, "Talking to FlowSdk
// from any NATS client"): publishes orders.placed and orders.shipped as MessagePack maps, waits for the
// execution in the key/value bucket to complete and decodes it, then reads the message the flow
// published (warehouse.ship) from the stream, which keeps it because the host captures it
// (FlowSdk:Nats:StreamSubjects).
//
//   node orders.js <nats url> <order id> [bucket=flowsdk-state] [stream=FLOWSDK]
//
// Prints "state: <json>" and "output <subject>: <json>"; exits 1 with the reason when something does
// not arrive within 60 seconds.
'use strict';
const { connect } = require('nats');
const { encode, decode } = require('@msgpack/msgpack');

async function main() {
  const [url, orderId, bucket = 'flowsdk-state', stream = 'FLOWSDK'] = process.argv.slice(2);
  if (!url || !orderId) {
    throw new Error('usage: node orders.js <nats url> <order id> [bucket] [stream]');
  }

  const deadline = Date.now() + 60_000;
  const nc = await connect({ servers: url, name: 'flowsdk-interop-js' });
  try {
    const js = nc.jetstream();

    // Input: a map keyed by member name. A decimal is sent as a string (every digit survives);
    // a number would be accepted too. Nats-Msg-Id makes a retried publish harmless.
    await js.publish('orders.placed', encode({ OrderId: orderId, Total: '12.5' }), { msgID: `js-${orderId}-placed` });
    await js.publish('orders.shipped', encode({ OrderId: orderId }), { msgID: `js-${orderId}-shipped` });

    // The execution: key <flow id>.<execution id>; the watch delivers the current value, then each change.
    const kv = await js.views.kv(bucket, { bindOnly: true });
    const watch = await kv.watch({ key: `order.${orderId}` });
    const timer = setTimeout(() => watch.stop(), Math.max(0, deadline - Date.now()));
    let state = null;
    for await (const entry of watch) {
      if (entry.operation !== 'PUT') {
        continue;
      }

      // Completed, and its outbox published: the commit that completes it still holds the messages
      // its last rule published; the next revision empties the outbox once they are sent.
      const value = decode(entry.value); // timestamps decode as Date
      if (value.$execution.Status === 'Completed' && value.$execution.Outbox.length === 0) {
        state = value;
        watch.stop();
      }
    }

    clearTimeout(timer);
    if (state === null) {
      throw new Error(`order.${orderId} did not complete in the ${bucket} bucket`);
    }

    console.log('state: ' + JSON.stringify(state));

    // The output: no flow consumes warehouse.ship, so only the stream keeps it, and an ordered
    // consumer (no server-side state to clean up) reads it from the start.
    const consumer = await js.consumers.get(stream, { filterSubjects: 'warehouse.ship' });
    while (Date.now() < deadline) {
      const message = await consumer.next({ expires: Math.max(1000, Math.min(5000, deadline - Date.now())) });
      if (message === null) {
        continue;
      }

      const output = decode(message.data);
      if (output.OrderId === orderId) {
        console.log(`output ${message.subject}: ${JSON.stringify(output)}`);
        return;
      }
    }

    throw new Error(`no warehouse.ship message for ${orderId} in stream ${stream}`);
  } finally {
    await nc.close();
  }
}

main().catch((error) => {
  console.error('error: ' + (error && error.message ? error.message : error));
  process.exit(1);
});
