"""pytest plugin for worker suites (`-p crm_runtime.testing.eventlet_first`): nameko
runs on eventlet, so the process is monkey-patched before anything else is imported.
gRPC suites run in another pytest process, since grpcio fails under the patch."""

import warnings

warnings.filterwarnings("ignore", message="Eventlet is deprecated")

import eventlet  # noqa: E402 (the warning filter must come first)

eventlet.monkey_patch()
