"""The official Kubernetes Python client against the emulator: list, create, read, patch, watch,
logs and delete, printing one line per check for the Swift test to assert on."""
import sys
import threading

from kubernetes import client, config, watch

config.load_kube_config(config_file=sys.argv[1])
core = client.CoreV1Api()
apps = client.AppsV1Api()

print("namespaces", ",".join(sorted(n.metadata.name for n in core.list_namespace().items)))
cm = client.V1ConfigMap(metadata=client.V1ObjectMeta(name="py-settings", labels={"from": "python"}), data={"k": "v"})
created = core.create_namespaced_config_map("default", cm)
print("created", created.metadata.name, created.metadata.resource_version is not None)
read = core.read_namespaced_config_map("py-settings", "default")
print("read", read.data["k"])
patched = core.patch_namespaced_config_map("py-settings", "default", {"data": {"k": "w"}})
print("patched", patched.data["k"])
selected = core.list_namespaced_config_map("default", label_selector="from=python")
print("selected", len(selected.items))

deployment = client.V1Deployment(
    metadata=client.V1ObjectMeta(name="py-web"),
    spec=client.V1DeploymentSpec(
        replicas=2,
        selector=client.V1LabelSelector(match_labels={"app": "py-web"}),
        template=client.V1PodTemplateSpec(
            metadata=client.V1ObjectMeta(labels={"app": "py-web"}),
            spec=client.V1PodSpec(containers=[client.V1Container(name="web", image="nginx:1.27")]),
        ),
    ),
)
apps.create_namespaced_deployment("default", deployment)
print("deployment", apps.read_namespaced_deployment("py-web", "default").status.ready_replicas)

pod = client.V1Pod(metadata=client.V1ObjectMeta(name="py-pod"),
                   spec=client.V1PodSpec(containers=[client.V1Container(name="c", image="busybox")]))
core.create_namespaced_pod("default", pod)
w = watch.Watch()
for event in w.stream(core.list_namespaced_pod, "default", field_selector="metadata.name=py-pod", timeout_seconds=10):
    if event["object"].status.phase == "Running":
        print("watched", event["type"], event["object"].status.phase)
        w.stop()
logs = core.read_namespaced_pod_log("py-pod", "default", tail_lines=2)
print("log-lines", len(logs.splitlines()))
try:
    core.read_namespaced_pod("missing", "default")
except client.exceptions.ApiException as error:
    print("missing", error.status, error.reason)
core.delete_namespaced_config_map("py-settings", "default")
print("deleted", len(core.list_namespaced_config_map("default", label_selector="from=python").items))
