# Solutions to the exercises of 07_node_beside_python.ipynb.

# %% task 07.1
answer_1 = """
exports.handler = async (event) => {
  const request = event.Records[0].cf.request;
  request.headers['x-workshop'] = [{ key: 'X-Workshop', value: 'edge' }];
  return request;
};
"""

# %% task 07.2
def answer_2(event, context):
    request = event["Records"][0]["cf"]["request"]
    if request["uri"].startswith("/old/"):
        target = "/new/" + request["uri"][len("/old/"):]
        return {
            "status": "301",
            "statusDescription": "Moved Permanently",
            "headers": {"location": [{"key": "Location", "value": target}]},
        }
    return request
