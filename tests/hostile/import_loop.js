for (;;) { /* never finishes loading */ }
exports.handler = async (event) => event.Records[0].cf.request;
