// An API Gateway (Lambda proxy) handler, as it would run on AWS.
export const handler = async (event, context) => {
  const name = event.pathParameters.name;
  console.log(`greeting ${name}`);
  return {
    statusCode: 200,
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ message: `${process.env.GREETING}, ${name}!`, function: context.functionName }),
  };
};
