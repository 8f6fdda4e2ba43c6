/// Realistic objects as kube-apiserver returns them (defaults applied, Go's JSON form: every
/// non-omitempty field present, zero times as null), one per supported kind.
enum RealisticObjects {
    static let namespace = """
        {"kind":"Namespace","apiVersion":"v1","metadata":{"name":"team-a","uid":"4a3f0d6e-8a53-4d0b-9d0e-1c2b3a4d5e6f",
        "resourceVersion":"1042","creationTimestamp":"2026-11-25T14:00:00Z",
        "labels":{"kubernetes.io/metadata.name":"team-a"},
        "managedFields":[{"manager":"kubectl-create","operation":"Update","apiVersion":"v1","time":"2026-11-25T14:00:00Z",
        "fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{".":{},"f:kubernetes.io/metadata.name":{}}}}}]},
        "spec":{"finalizers":["kubernetes"]},"status":{"phase":"Active"}}
        """

    static let deployment = """
        {"kind":"Deployment","apiVersion":"apps/v1","metadata":{"name":"web","namespace":"team-a",
        "uid":"9b1e7c2a-1111-4c3d-8e9f-0a1b2c3d4e5f","resourceVersion":"20481","generation":3,
        "creationTimestamp":"2026-11-25T14:00:00Z","labels":{"app":"web","tier":"frontend"},
        "annotations":{"deployment.kubernetes.io/revision":"2","note":"<b>&amp;</b> \\u2028 ünïcödé"}},
        "spec":{"replicas":3,"selector":{"matchLabels":{"app":"web"},
        "matchExpressions":[{"key":"tier","operator":"In","values":["frontend","edge"]}]},
        "template":{"metadata":{"creationTimestamp":null,"labels":{"app":"web","tier":"frontend"},
        "annotations":{"kubectl.kubernetes.io/restartedAt":"2026-11-25T13:59:00Z"}},
        "spec":{"volumes":[
          {"name":"config","configMap":{"name":"web-config","items":[{"key":"nginx.conf","path":"nginx.conf","mode":420}],"defaultMode":420}},
          {"name":"tls","secret":{"secretName":"web-tls","defaultMode":256,"optional":true}},
          {"name":"cache","emptyDir":{"medium":"Memory","sizeLimit":"256Mi"}},
          {"name":"data","persistentVolumeClaim":{"claimName":"web-data","readOnly":true}},
          {"name":"podinfo","downwardAPI":{"items":[{"path":"labels","fieldRef":{"apiVersion":"v1","fieldPath":"metadata.labels"}},
            {"path":"cpu","resourceFieldRef":{"containerName":"nginx","resource":"limits.cpu","divisor":"1m"}}],"defaultMode":420}}],
        "initContainers":[{"name":"init","image":"busybox:1.36","command":["sh","-c","echo ready"],"resources":{},
          "terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","imagePullPolicy":"IfNotPresent"}],
        "containers":[{"name":"nginx","image":"nginx:1.27","args":["-g","daemon off;"],
          "ports":[{"name":"http","containerPort":8080,"protocol":"TCP"},{"name":"metrics","containerPort":9090,"protocol":"TCP"}],
          "env":[{"name":"MODE","value":"production"},
            {"name":"POD_IP","valueFrom":{"fieldRef":{"apiVersion":"v1","fieldPath":"status.podIP"}}},
            {"name":"PASSWORD","valueFrom":{"secretKeyRef":{"name":"web-secret","key":"password","optional":false}}},
            {"name":"LIMIT","valueFrom":{"resourceFieldRef":{"containerName":"nginx","resource":"limits.memory","divisor":"1Mi"}}}],
          "resources":{"limits":{"cpu":"500m","memory":"512Mi","nvidia.com/gpu":"1"},"requests":{"cpu":"250m","memory":"128Mi"}},
          "volumeMounts":[{"name":"config","readOnly":true,"mountPath":"/etc/nginx/nginx.conf","subPath":"nginx.conf"},
            {"name":"cache","mountPath":"/var/cache/nginx"}],
          "livenessProbe":{"httpGet":{"path":"/healthz","port":8080,"scheme":"HTTP",
            "httpHeaders":[{"name":"X-Probe","value":"liveness"}]},
            "initialDelaySeconds":10,"timeoutSeconds":1,"periodSeconds":10,"successThreshold":1,"failureThreshold":3},
          "readinessProbe":{"tcpSocket":{"port":"http"},"timeoutSeconds":1,"periodSeconds":5,"successThreshold":1,"failureThreshold":3},
          "startupProbe":{"exec":{"command":["cat","/tmp/started"]},"timeoutSeconds":1,"periodSeconds":10,"successThreshold":1,
            "failureThreshold":30,"terminationGracePeriodSeconds":15},
          "lifecycle":{"preStop":{"exec":{"command":["nginx","-s","quit"]}},"postStart":{"httpGet":{"path":"/warm","port":"http","scheme":"HTTP"}}},
          "terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","imagePullPolicy":"IfNotPresent",
          "securityContext":{"capabilities":{"add":["NET_BIND_SERVICE"],"drop":["ALL"]},"runAsUser":101,"runAsNonRoot":true,
            "readOnlyRootFilesystem":true,"allowPrivilegeEscalation":false}}],
        "restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst",
        "nodeSelector":{"kubernetes.io/os":"linux"},"serviceAccountName":"web","serviceAccount":"web",
        "securityContext":{"fsGroup":101,"supplementalGroups":[1000,2000],"seccompProfile":{"type":"RuntimeDefault"}},
        "affinity":{"podAntiAffinity":{"preferredDuringSchedulingIgnoredDuringExecution":[{"weight":100,
          "podAffinityTerm":{"labelSelector":{"matchLabels":{"app":"web"}},"topologyKey":"kubernetes.io/hostname"}}]}},
        "schedulerName":"default-scheduler",
        "tolerations":[{"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute","tolerationSeconds":300}],
        "topologySpreadConstraints":[{"maxSkew":1,"topologyKey":"topology.kubernetes.io/zone","whenUnsatisfiable":"ScheduleAnyway",
          "labelSelector":{"matchLabels":{"app":"web"}}}]}},
        "strategy":{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":1,"maxSurge":"25%"}},
        "minReadySeconds":5,"revisionHistoryLimit":10,"progressDeadlineSeconds":600},
        "status":{"observedGeneration":3,"replicas":3,"updatedReplicas":3,"readyReplicas":3,"availableReplicas":3,
        "conditions":[{"type":"Available","status":"True","lastUpdateTime":"2026-11-25T14:01:00Z",
          "lastTransitionTime":"2026-11-25T14:01:00Z","reason":"MinimumReplicasAvailable","message":"Deployment has minimum availability."},
          {"type":"Progressing","status":"True","lastUpdateTime":"2026-11-25T14:02:30Z","lastTransitionTime":"2026-11-25T14:00:00Z",
          "reason":"NewReplicaSetAvailable","message":"ReplicaSet \\"web-5d8f7c9b4\\" has successfully progressed."}]}}
        """

    static let service = """
        {"kind":"Service","apiVersion":"v1","metadata":{"name":"web","namespace":"team-a","uid":"0c9d8e7f-2222-4b3a-9c8d-7e6f5a4b3c2d",
        "resourceVersion":"20502","creationTimestamp":"2026-11-25T14:00:05Z","labels":{"app":"web"}},
        "spec":{"ports":[{"name":"http","protocol":"TCP","port":80,"targetPort":8080},
          {"name":"https","protocol":"TCP","appProtocol":"https","port":443,"targetPort":"https","nodePort":30443}],
        "selector":{"app":"web"},"clusterIP":"10.96.12.34","clusterIPs":["10.96.12.34"],"type":"NodePort",
        "sessionAffinity":"ClientIP","externalTrafficPolicy":"Cluster",
        "sessionAffinityConfig":{"clientIP":{"timeoutSeconds":10800}},"ipFamilies":["IPv4"],"ipFamilyPolicy":"SingleStack",
        "internalTrafficPolicy":"Cluster"},
        "status":{"loadBalancer":{}}}
        """

    static let pod = """
        {"kind":"Pod","apiVersion":"v1","metadata":{"name":"web-5d8f7c9b4-x2x7q","generateName":"web-5d8f7c9b4-","namespace":"team-a",
        "uid":"1d2e3f4a-3333-4c5d-8e9f-a0b1c2d3e4f5","resourceVersion":"20477","creationTimestamp":"2026-11-25T14:00:01Z",
        "deletionTimestamp":"2026-11-25T15:00:00Z","deletionGracePeriodSeconds":30,
        "labels":{"app":"web","pod-template-hash":"5d8f7c9b4"},
        "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-5d8f7c9b4",
          "uid":"2e3f4a5b-4444-4d5e-9f0a-b1c2d3e4f5a6","controller":true,"blockOwnerDeletion":true}],
        "finalizers":["example.com/cleanup"]},
        "spec":{"volumes":[{"name":"kube-api-access-abcde","projected":{"sources":[
          {"serviceAccountToken":{"expirationSeconds":3607,"path":"token"}},
          {"configMap":{"name":"kube-root-ca.crt","items":[{"key":"ca.crt","path":"ca.crt"}]}},
          {"downwardAPI":{"items":[{"path":"namespace","fieldRef":{"apiVersion":"v1","fieldPath":"metadata.namespace"}}]}}],
          "defaultMode":420}}],
        "containers":[{"name":"nginx","image":"nginx:1.27","ports":[{"containerPort":8080,"protocol":"TCP"}],"resources":{},
          "volumeMounts":[{"name":"kube-api-access-abcde","readOnly":true,"mountPath":"/var/run/secrets/kubernetes.io/serviceaccount"}],
          "terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","imagePullPolicy":"IfNotPresent",
          "stdin":true,"tty":true}],
        "ephemeralContainers":[{"name":"debugger-8xk2p","image":"busybox:1.36","resources":{},
          "terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","imagePullPolicy":"IfNotPresent",
          "stdin":true,"tty":true,"targetContainerName":"nginx"}],
        "restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","serviceAccountName":"default",
        "serviceAccount":"default","nodeName":"worker-1","securityContext":{},"schedulerName":"default-scheduler",
        "tolerations":[{"key":"node.kubernetes.io/unreachable","operator":"Exists","effect":"NoExecute","tolerationSeconds":300}],
        "priority":0,"enableServiceLinks":true,"preemptionPolicy":"PreemptLowerPriority"},
        "status":{"phase":"Running","conditions":[
          {"type":"PodReadyToStartContainers","status":"True","lastProbeTime":null,"lastTransitionTime":"2026-11-25T14:00:03Z"},
          {"type":"Ready","status":"True","lastProbeTime":null,"lastTransitionTime":"2026-11-25T14:00:04Z"},
          {"type":"PodScheduled","status":"True","lastProbeTime":null,"lastTransitionTime":"2026-11-25T14:00:01Z"}],
        "hostIP":"192.168.1.10","hostIPs":[{"ip":"192.168.1.10"}],"podIP":"10.244.1.7","podIPs":[{"ip":"10.244.1.7"},{"ip":"fd00::7"}],
        "startTime":"2026-11-25T14:00:01Z",
        "containerStatuses":[{"name":"nginx","state":{"running":{"startedAt":"2026-11-25T14:00:03Z"}},
          "lastState":{"terminated":{"exitCode":137,"reason":"OOMKilled","startedAt":"2026-11-25T13:00:00Z",
            "finishedAt":"2026-11-25T13:59:59Z","containerID":"containerd://aaa111"}},
          "ready":true,"restartCount":1,"image":"docker.io/library/nginx:1.27","imageID":"docker.io/library/nginx@sha256:0123abcd",
          "containerID":"containerd://bbb222","started":true,
          "volumeMounts":[{"name":"kube-api-access-abcde","mountPath":"/var/run/secrets/kubernetes.io/serviceaccount",
            "readOnly":true,"recursiveReadOnly":"Disabled"}]}],
        "qosClass":"BestEffort",
        "ephemeralContainerStatuses":[{"name":"debugger-8xk2p","state":{"waiting":{"reason":"ContainerCreating"}},"lastState":{},
          "ready":false,"restartCount":0,"image":"busybox:1.36","imageID":""}]}}
        """

    static let configMap = """
        {"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"web-config","namespace":"team-a",
        "uid":"3f4a5b6c-5555-4e6f-a0b1-c2d3e4f5a6b7","resourceVersion":"19000","creationTimestamp":"2026-11-25T13:00:00Z"},
        "immutable":false,"data":{"nginx.conf":"events {}\\nhttp { server { listen 8080; } }\\n","empty":""},
        "binaryData":{"logo.png":"iVBORw0KGgo=","zeros":"AAAA"}}
        """

    static let secret = """
        {"kind":"Secret","apiVersion":"v1","metadata":{"name":"web-secret","namespace":"team-a",
        "uid":"4a5b6c7d-6666-4f70-b1c2-d3e4f5a6b7c8","resourceVersion":"19001","creationTimestamp":"2026-11-25T13:00:01Z",
        "annotations":{"kubernetes.io/service-account.name":"web"}},
        "immutable":true,"data":{"password":"czNjcjN0","empty":"","binary":"AP8Q7w=="},"type":"Opaque"}
        """

    static let serviceAccount = """
        {"kind":"ServiceAccount","apiVersion":"v1","metadata":{"name":"web","namespace":"team-a",
        "uid":"5b6c7d8e-7777-4081-c2d3-e4f5a6b7c8d9","resourceVersion":"18999","creationTimestamp":"2026-11-25T12:59:59Z"},
        "secrets":[{"name":"web-token-abcde"}],"imagePullSecrets":[{"name":"regcred"}],"automountServiceAccountToken":false}
        """

    static let event = """
        {"kind":"Event","apiVersion":"v1","metadata":{"name":"web-5d8f7c9b4-x2x7q.1876a2b3c4d5e6f7","namespace":"team-a",
        "uid":"6c7d8e9f-8888-4192-d3e4-f5a6b7c8d9e0","resourceVersion":"20478","creationTimestamp":"2026-11-25T14:00:02Z"},
        "involvedObject":{"kind":"Pod","namespace":"team-a","name":"web-5d8f7c9b4-x2x7q","uid":"1d2e3f4a-3333-4c5d-8e9f-a0b1c2d3e4f5",
          "apiVersion":"v1","resourceVersion":"20470","fieldPath":"spec.containers{nginx}"},
        "reason":"Pulled","message":"Successfully pulled image \\"nginx:1.27\\" in 1.234s",
        "source":{"component":"kubelet","host":"worker-1"},"firstTimestamp":"2026-11-25T14:00:02Z","lastTimestamp":"2026-11-25T14:05:02Z",
        "count":3,"type":"Normal","eventTime":"2026-11-25T14:00:02.123456Z",
        "series":{"count":2,"lastObservedTime":"2026-11-25T14:05:02.654321Z"},"action":"Pulling",
        "related":{"kind":"Node","name":"worker-1","apiVersion":"v1"},
        "reportingComponent":"kubelet","reportingInstance":"worker-1"}
        """

    /// An events.k8s.io-style core Event with no timestamps: zero Time/MicroTime are `null`.
    static let eventWithZeroTimes = """
        {"kind":"Event","apiVersion":"v1","metadata":{"name":"e1","namespace":"default","creationTimestamp":null},
        "involvedObject":{},"source":{},"firstTimestamp":null,"lastTimestamp":null,"eventTime":null,
        "reportingComponent":"","reportingInstance":""}
        """

    static let status = """
        {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
        "message":"pods \\"web\\" is forbidden: exceeded quota","reason":"Forbidden",
        "details":{"name":"web","kind":"pods","causes":[{"reason":"FieldValueInvalid","message":"Invalid value","field":"spec.containers[0].image"}],
        "retryAfterSeconds":5},"code":403}
        """

    static let deleteOptions = """
        {"kind":"DeleteOptions","apiVersion":"v1","gracePeriodSeconds":0,
        "preconditions":{"uid":"1d2e3f4a-3333-4c5d-8e9f-a0b1c2d3e4f5","resourceVersion":"20477"},
        "propagationPolicy":"Background","dryRun":["All"]}
        """

    /// Every single-object kind above, for list and round-trip tests.
    static let all: [(name: String, json: String)] = [
        ("namespace", namespace), ("deployment", deployment), ("service", service), ("pod", pod),
        ("configMap", configMap), ("secret", secret), ("serviceAccount", serviceAccount), ("event", event),
        ("eventWithZeroTimes", eventWithZeroTimes), ("status", status), ("deleteOptions", deleteOptions),
    ]
}
