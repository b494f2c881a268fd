// Viewer request: pretty URLs. "/docs/" and "/docs" are served from "/docs/index.html";
// the default root object covers "/" itself.
export const handler = async (event) => {
  const request = event.Records[0].cf.request;
  const uri = request.uri;
  if (uri !== "/" && uri.endsWith("/")) {
    request.uri = `${uri}index.html`;
  } else if (uri !== "/" && !uri.split("/").pop().includes(".")) {
    request.uri = `${uri}/index.html`;
  }
  return request;
};
