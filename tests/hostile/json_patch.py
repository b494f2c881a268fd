import json
import json.encoder

# Patch everything edgelab (or pandas, or pyarrow) might use to write JSON.
json.dumps = lambda *args, **kwargs: "CORRUPT"
json.dump = lambda *args, **kwargs: None
json.loads = lambda *args, **kwargs: {"corrupt": True}
json.JSONEncoder.encode = lambda self, o: "CORRUPT"
json.JSONEncoder.iterencode = lambda self, o, _one_shot=False: iter(["CORRUPT"])
json.encoder.c_make_encoder = None


def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    request["uri"] = "/answered" + request["uri"]
    return request
