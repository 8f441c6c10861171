// CommonJS, callback style.
exports.handler = function (event, context, callback) {
  setTimeout(() => callback(null, { statusCode: 200, body: JSON.stringify({ kind: "cjs", id: context.awsRequestId.length }) }), 10);
};
