/**
 * Allowed values of built-in string fields. The 1.28 OpenAPI document has no `enum`s for
 * built-in kinds, but each field's description lists its values ("One of Always, Never,
 * IfNotPresent."); this table copies them from those descriptions so a typo such as
 * `imagePullPolicy: Allways` fails the schema gate instead of the cluster.
 * Keys: definition name → property → values (`[]` suffix on the property: the array's items).
 */
export const K8S_ENUMS: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>> = {
  'io.k8s.api.core.v1.Container': { imagePullPolicy: ['Always', 'Never', 'IfNotPresent'], restartPolicy: ['Always'] },
  'io.k8s.api.core.v1.PodSpec': { restartPolicy: ['Always', 'OnFailure', 'Never'], dnsPolicy: ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'] },
  'io.k8s.api.core.v1.ContainerPort': { protocol: ['UDP', 'TCP', 'SCTP'] },
  'io.k8s.api.core.v1.ServicePort': { protocol: ['TCP', 'UDP', 'SCTP'] },
  'io.k8s.api.networking.v1.NetworkPolicyPort': { protocol: ['TCP', 'UDP', 'SCTP'] },
  'io.k8s.api.core.v1.ServiceSpec': {
    type: ['ExternalName', 'ClusterIP', 'NodePort', 'LoadBalancer'],
    externalTrafficPolicy: ['Cluster', 'Local'],
    internalTrafficPolicy: ['Cluster', 'Local'],
    sessionAffinity: ['ClientIP', 'None'],
  },
  'io.k8s.api.core.v1.VolumeMount': { mountPropagation: ['None', 'HostToContainer', 'Bidirectional'] },
  'io.k8s.api.core.v1.HostPathVolumeSource': { type: ['', 'DirectoryOrCreate', 'Directory', 'FileOrCreate', 'File', 'Socket', 'CharDevice', 'BlockDevice'] },
  'io.k8s.api.core.v1.SeccompProfile': { type: ['Localhost', 'RuntimeDefault', 'Unconfined'] },
  'io.k8s.api.core.v1.PodSecurityContext': { fsGroupChangePolicy: ['OnRootMismatch', 'Always'] },
  'io.k8s.api.core.v1.Toleration': { operator: ['Exists', 'Equal'], effect: ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] },
  'io.k8s.api.core.v1.NodeSelectorRequirement': { operator: ['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt'] },
  'io.k8s.api.core.v1.PersistentVolumeSpec': {
    persistentVolumeReclaimPolicy: ['Retain', 'Delete', 'Recycle'],
    'accessModes[]': ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'],
  },
  'io.k8s.api.core.v1.PersistentVolumeClaimSpec': { 'accessModes[]': ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'], volumeMode: ['Block', 'Filesystem'] },
  'io.k8s.api.apps.v1.DeploymentStrategy': { type: ['Recreate', 'RollingUpdate'] },
  'io.k8s.api.apps.v1.StatefulSetSpec': { podManagementPolicy: ['OrderedReady', 'Parallel'] },
  'io.k8s.api.batch.v1.CronJobSpec': { concurrencyPolicy: ['Allow', 'Forbid', 'Replace'] },
  'io.k8s.api.networking.v1.HTTPIngressPath': { pathType: ['Exact', 'Prefix', 'ImplementationSpecific'] },
  'io.k8s.api.networking.v1.NetworkPolicySpec': { 'policyTypes[]': ['Ingress', 'Egress'] },
  'io.k8s.api.storage.v1.StorageClass': { reclaimPolicy: ['Retain', 'Delete', 'Recycle'], volumeBindingMode: ['Immediate', 'WaitForFirstConsumer'] },
};
