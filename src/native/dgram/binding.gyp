{
  "targets": [
    {
      "target_name": "tmsp_dgram",
      "sources": ["dgram.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
