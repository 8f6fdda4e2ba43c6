import CZlib

/// A zlib preset dictionary: strings that audit records and Kubernetes bodies repeat.
///
/// A 300-byte event has too little history of its own for deflate to find matches; seeding
/// the window with the vocabulary of the trail makes every event compress as if it were the
/// tenth of a batch, while each row stays independently readable. The zlib header names the
/// dictionary by its Adler-32, so readers know which one a stored stream needs. A dictionary,
/// once shipped, never changes: a new one gets added beside it.
public struct CompressionDictionary: Sendable {
    public let bytes: [UInt8]
    /// zlib's DICTID: the Adler-32 of `bytes`.
    public let id: UInt32

    public init(_ text: String) {
        self.bytes = Array(text.utf8)
        self.id = bytes.withUnsafeBufferPointer { UInt32(adler32(1, $0.baseAddress, uInt($0.count))) }
    }

    /// Every dictionary a stored stream may name.
    public static let all: [CompressionDictionary] = [standard]

    public static func known(id: UInt32) -> CompressionDictionary? {
        all.first { $0.id == id }
    }

    /// Version 1. Later entries sit closer to the data and cost fewer bits, so the most
    /// frequent strings come last.
    public static let standard = CompressionDictionary(
        #"""
        {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"","reason":"NotFound","details":{"name":"","kind":"pods"},"code":404}\#
        {"kind":"Table","apiVersion":"meta.k8s.io/v1","columnDefinitions":[{"name":"Name","type":"string","format":"name","description":"","priority":0}],"rows":[{"cells":[],"object":{"kind":"PartialObjectMetadata"\#
        "spec":{"containers":[{"name":"","image":"","command":[],"args":[],"ports":[{"containerPort":80,"protocol":"TCP"}],"resources":{},"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","imagePullPolicy":"IfNotPresent"}],"restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","serviceAccountName":"default","serviceAccount":"default","securityContext":{},"schedulerName":"default-scheduler"},\#
        "status":{"phase":"Running","conditions":[{"type":"Ready","status":"True","lastProbeTime":null,"lastTransitionTime":""}],"hostIP":"","podIP":"","startTime":"","containerStatuses":[]}\#
        {"kind":"Deployment","apiVersion":"apps/v1","spec":{"replicas":1,"selector":{"matchLabels":{"app":""}},"template":{"metadata":{"labels":{"app":""}},"strategy":{"type":"RollingUpdate"}\#
        {"kind":"ConfigMap","apiVersion":"v1","data":{}{"kind":"Secret","apiVersion":"v1","type":"Opaque","data":{}\#
        {"kind":"Namespace","apiVersion":"v1"{"kind":"Service","apiVersion":"v1","spec":{"type":"ClusterIP","ports":[{"port":80,"targetPort":80}]\#
        "annotations":{"kubectl.kubernetes.io/last-applied-configuration":""},"labels":{"app.kubernetes.io/name":""},\#
        {"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":""},"items":[\#
        {"kind":"Pod","apiVersion":"v1","metadata":{"name":"","generateName":"","namespace":"default","uid":"","resourceVersion":"","creationTimestamp":"","labels":{},"managedFields":[{"manager":"kubectl-client-side-apply","operation":"Update","apiVersion":"v1","time":"","fieldsType":"FieldsV1","fieldsV1":{}}]}\#
        {"propagationPolicy":"Background"}application/vnd.kubernetes.protobufapplication/json;as=Table;v=v1;g=meta.k8s.io\#
        kubectl/v1.32.4 (linux/amd64) kubernetes/4cb5f07kubectl getkubectl applykubectl execkubectl createkubectl delete\#
        deploymentsreplicasetsstatefulsetsdaemonsetsconfigmapssecretsservicesserviceaccountsnamespaceseventsendpoints\#
        portforwardattachexeclogstatusscaleproxywatchlistgetcreateupdatepatchdeletedeletecollectionconnect\#
        /apis/apps/v1/namespaces//api/v1/namespaces/default/pods?limit=500&watch=true&resourceVersion=\#
        session_chunksession_startsession_endrequestx509oidcallowdenyunauthenticated\#
        system:serviceaccounts:system:mastersdevelopersplatformsreopsadminviewedit\#
        system:authenticatedapplication/jsonMetadataRequestResponseRequestReceivedResponseStartedResponseComplete
        """#)
}
