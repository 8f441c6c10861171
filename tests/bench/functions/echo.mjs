// The benchmark's Node.js handler: returns its event.
export const handler = async (event) => event;
