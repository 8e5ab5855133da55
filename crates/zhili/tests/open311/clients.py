"""Open311 clients no one here wrote, against a running zhili: Code for America's `open311`
wrapper (PyPI open311 1.1) files a request with a key and follows it; `georeport` (PyPI
georeport 0.3.1) reads the services in JSON and XML.

Usage: clients.py BASE_URL API_KEY SERVICE_CODE LAT LONG STAGE
STAGE "file" prints the new request's id; STAGE "follow:<id>" prints its status and the
number of requests the key's unit sees; STAGE "services" checks the service list.

`open311` 1.1 was written for Python 2: its modules import each other as top-level modules
and post a str body. The two shims below make exactly those two things work on Python 3 and
touch nothing of what it sends or parses.
"""

import json
import os
import sys
import urllib.request


def open311_client(base, key):
    import importlib.util
    import types

    root = os.path.dirname(importlib.util.find_spec("open311").origin)

    def load(name, path):
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        return module

    # Python 2's implicit relative imports, as that interpreter resolved them: `xml2dict` and
    # `object_dict` beside the module importing them, `api` the package holding api.py.
    sys.path[:0] = [os.path.join(root, "api"), os.path.join(root, "api", "xml2dict")]
    api_module = load("api.api", os.path.join(root, "api", "api.py"))
    package = types.ModuleType("api")
    package.__path__ = [os.path.join(root, "api")]
    package.API, package.api = api_module.API, api_module
    sys.modules["api"] = package
    open311 = load("open311_py2", os.path.join(root, "open311.py"))

    def urlopen(url, data=None):
        # Python 2 posted a str; Python 3 wants bytes.
        if isinstance(data, str):
            data = data.encode("utf-8")
        return urllib.request.urlopen(url, data)

    open311.urlopen = urlopen
    client = open311.Open311(endpoint=base + "/open311/v2", api_key=key, format="json")
    # The wrapper's own hook for parameters every call carries: our reads take the key too.
    client.required_params = {"api_key": key}
    return client


def main():
    base, key, code, lat, lon, stage = sys.argv[1:7]
    if stage == "services":
        from georeport import GeoReport

        for fmt in ("json", "xml"):
            geo = GeoReport(base + "/open311/v2", output_format=fmt)
            services = geo.get_service_list()
            mine = [s for s in services if s["service_code"] == code]
            assert len(mine) == 1, (fmt, len(services))
            definition = geo.get_service_definition(code)
            attrs = definition["attributes"]
            if fmt == "xml":
                attrs = attrs["attribute"]
                attrs = attrs if isinstance(attrs, list) else [attrs]
            assert any(a["code"] == "occurred_at" for a in attrs), definition
        # Requests are not public here: without a key, georeport is refused.
        import requests

        try:
            GeoReport(base + "/open311/v2").get_service_requests()
            raise SystemExit("requests were read without a key")
        except requests.HTTPError as e:
            assert e.response.status_code == 403, e.response.status_code
        print(json.dumps({"services": len(services)}))
    elif stage == "file":
        client = open311_client(base, key)
        answer = client.post_service_request(
            service_code=code,
            lat=lat,
            long=lon,
            description="Open311 客户端：白杨路路灯不亮",
            address_string="白杨路 8 号",
            first_name="小红",
            last_name="李",
            phone="13800138000",
        )
        print(json.dumps({"id": answer[0]["service_request_id"], "notice": answer[0]["service_notice"]}))
    elif stage.startswith("follow:"):
        client = open311_client(base, key)
        rid = stage.split(":", 1)[1]
        one = client.get_service_request(rid)
        # The list through the wrapper's generic call (its service_requests() reads XML only).
        listed = client.call_api("requests.json")
        print(json.dumps({"status": one[0]["status"], "notes": one[0]["status_notes"], "listed": len(listed)}))
    else:
        raise SystemExit("unknown stage " + stage)


if __name__ == "__main__":
    main()
