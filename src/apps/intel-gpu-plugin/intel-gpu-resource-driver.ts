import type { ApiObject } from 'cdk8s';
import * as k8s from '../../../imports/k8s.js';
import type { Construct } from 'constructs';
import type { SiteConfig } from '../../config/types.js';
import { Component, setFileName } from '../../lib/component.js';
import type { GpuHandle } from '../../lib/handles.js';
import { appLabels, container, containerSecurityContext, podSpec, selectorLabels } from '../../lib/pod.js';
import { gpuNodePlacement } from '../../lib/placement.js';
import { intelGpuPluginConfig } from './config.js';
import { INTEL_GPU_CLAIM, INTEL_GPU_DEVICE_CLASS, INTEL_GPU_DRIVER_HEALTH_PORT, INTEL_GPU_PLUGIN_IMAGES } from './facts.js';

const NAME = 'intel-gpu-resource-driver';

export interface IntelGpuResourceDriverProps {
  /** The site settings (the GPU node's placement, the namespace of the GPU users). */
  readonly site: SiteConfig;
  /** Namespace of the driver. @default 'kube-system' */
  readonly namespace?: string;
}

/**
 * Intel's GPU resource driver for DRA (infrastructure): its kubelet plugin publishes the GPU
 * node's GPUs as a ResourceSlice of driver `gpu.intel.com`, and prepares (CDI spec) the device of
 * each allocated ResourceClaim. Mirrors upstream gpu-v0.11.0 `deployments/gpu/base/` (DeviceClass,
 * ServiceAccount, RBAC, the ValidatingAdmissionPolicy that lets the driver change only its own
 * node's ResourceSlices, the DaemonSet) with its "privileged, without xpumd" discovery mode (no
 * XPU manager to deploy) and without switching GPUs to VFIO (`--manage-binding=false`: the node's
 * GPU stays on its DRM driver). `ApiObject.of(driver)` is its DaemonSet.
 */
export class IntelGpuResourceDriver extends Component {
  /** The DaemonSet. */
  readonly workload: ApiObject;
  /** The GPU as Plex and the ClusterPlex workers claim it (they depend on the driver). */
  readonly gpu: GpuHandle;

  constructor(scope: Construct, id: string, props: IntelGpuResourceDriverProps) {
    const cfg = props.site;
    const ns = props.namespace ?? intelGpuPluginConfig.defaults.namespace;
    super(scope, id, {
      dir: 'infrastructure/gpu-resource-driver',
      fluxName: 'gpu-resource-driver',
      namespace: ns,
      wait: true,
      description: `Intel GPU resource driver (DRA, DeviceClass ${INTEL_GPU_DEVICE_CLASS})`,
    });
    const labels = appLabels(NAME);
    const serviceAccount = NAME;
    setFileName(
      new k8s.KubeDeviceClass(this, 'device-class', {
        metadata: { name: INTEL_GPU_DEVICE_CLASS },
        spec: { selectors: [{ cel: { expression: `device.driver == "${INTEL_GPU_DEVICE_CLASS}"` } }] },
      }),
      'deviceclass.yaml',
    );
    setFileName(new k8s.KubeServiceAccount(this, 'service-account', { metadata: { name: serviceAccount, namespace: ns, labels } }), 'serviceaccount.yaml');
    const role = setFileName(
      new k8s.KubeClusterRole(this, 'cluster-role', {
        metadata: { name: NAME, labels },
        rules: [
          { apiGroups: [''], resources: ['nodes'], verbs: ['get'] },
          { apiGroups: ['resource.k8s.io'], resources: ['resourceslices'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
          { apiGroups: ['resource.k8s.io'], resources: ['resourceclaims'], verbs: ['get'] },
        ],
      }),
      'clusterrole.yaml',
    );
    setFileName(
      new k8s.KubeClusterRoleBinding(this, 'cluster-role-binding', {
        metadata: { name: NAME, labels },
        subjects: [{ kind: 'ServiceAccount', name: serviceAccount, namespace: ns }],
        roleRef: { kind: 'ClusterRole', name: role.metadata.name!, apiGroup: 'rbac.authorization.k8s.io' },
      }),
      'clusterrolebinding.yaml',
    );
    // The ClusterRole may write every ResourceSlice; the policy narrows it to the pod's own node.
    const policy = setFileName(
      new k8s.KubeValidatingAdmissionPolicy(this, 'resourceslice-policy', {
        metadata: { name: `${NAME}-resourceslices` },
        spec: {
          failurePolicy: 'Fail',
          matchConstraints: {
            resourceRules: [{ apiGroups: ['resource.k8s.io'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE', 'DELETE'], resources: ['resourceslices'] }],
          },
          matchConditions: [{ name: 'isDriver', expression: `request.userInfo.username == "system:serviceaccount:${ns}:${serviceAccount}"` }],
          variables: [
            { name: 'userNodeName', expression: "request.userInfo.extra[?'authentication.kubernetes.io/node-name'][0].orValue('')" },
            { name: 'objectNodeName', expression: '(request.operation == "DELETE" ? oldObject : object).spec.?nodeName.orValue("")' },
          ],
          validations: [
            { expression: 'variables.userNodeName != ""', message: 'no node association found for the driver: it must run in a pod on a node (ServiceAccountTokenPodNodeInfo)' },
            { expression: 'variables.userNodeName == variables.objectNodeName', message: "the driver may only change its own node's ResourceSlices" },
          ],
        },
      }),
      'validatingadmissionpolicy.yaml',
    );
    setFileName(
      new k8s.KubeValidatingAdmissionPolicyBinding(this, 'resourceslice-policy-binding', {
        metadata: { name: policy.metadata.name! },
        spec: { policyName: policy.metadata.name!, validationActions: ['Deny'] },
      }),
      'validatingadmissionpolicybinding.yaml',
    );

    const health: k8s.Probe = { grpc: { port: INTEL_GPU_DRIVER_HEALTH_PORT, service: 'liveness' }, timeoutSeconds: 10 };
    const spec = podSpec(cfg, {
      ...gpuNodePlacement(cfg),
      startsAsRoot: true,
      serviceAccountName: serviceAccount,
      priorityClassName: 'system-node-critical',
      containers: [
        {
          ...container({
            name: 'kubelet-plugin',
            image: INTEL_GPU_PLUGIN_IMAGES.intelGpuResourceDriver,
            command: ['/kubelet-gpu-plugin'],
            args: [`--healthcheck-port=${INTEL_GPU_DRIVER_HEALTH_PORT}`, '--manage-binding=false'],
            ports: [{ name: 'healthcheck', port: INTEL_GPU_DRIVER_HEALTH_PORT }],
            mounts: [
              { volume: 'plugins-registry', path: '/var/lib/kubelet/plugins_registry' },
              { volume: 'plugins', path: '/var/lib/kubelet/plugins' },
              { volume: 'cdi', path: '/etc/cdi' },
              { volume: 'varruncdi', path: '/var/run/cdi' },
              { volume: 'sysfs', path: '/sysfs' },
            ],
            resources: { cpuRequest: '20m', memoryRequest: '64Mi', memoryLimit: '256Mi' },
          }),
          env: [
            { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
            { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
            { name: 'SYSFS_ROOT', value: '/sysfs' },
          ],
          startupProbe: { ...health, periodSeconds: 10, failureThreshold: 60 },
          readinessProbe: { ...health, periodSeconds: 30, failureThreshold: 3 },
          livenessProbe: { ...health, periodSeconds: 30, failureThreshold: 3 },
          securityContext: containerSecurityContext({ privileged: true, runAsRoot: true }),
        },
      ],
      volumes: [
        { name: 'plugins-registry', hostPath: { path: '/var/lib/kubelet/plugins_registry' } },
        { name: 'plugins', hostPath: { path: '/var/lib/kubelet/plugins' } },
        { name: 'cdi', hostPath: { path: '/etc/cdi', type: 'DirectoryOrCreate' } },
        { name: 'varruncdi', hostPath: { path: '/var/run/cdi', type: 'DirectoryOrCreate' } },
        { name: 'sysfs', hostPath: { path: '/sys' } },
      ],
    });
    const ds = (this.workload = setFileName(
      new k8s.KubeDaemonSet(this, 'daemonset', {
        metadata: { name: NAME, namespace: ns, labels },
        spec: {
          selector: { matchLabels: selectorLabels(NAME) },
          // The driver talks to the API server (ResourceSlices): it needs its token.
          template: { metadata: { labels }, spec: { ...spec, automountServiceAccountToken: true } },
        },
      }),
      'daemonset.yaml',
    ));
    this.node.defaultChild = ds;
    this.gpu = { mode: 'dra', deviceClass: INTEL_GPU_DEVICE_CLASS, claimName: INTEL_GPU_CLAIM, owner: this };
    this.addHealthCheck({ apiVersion: 'apps/v1', kind: 'DaemonSet', name: ds.metadata.name!, namespace: ns });
    this.addSecurityExceptionFor(ds, {
      rules: ['no-host-path', 'run-as-non-root', 'no-privileged', 'no-privilege-escalation', 'no-sa-token'],
      reason:
        "a DRA kubelet plugin registers its sockets in the root-owned kubelet plugins directories, writes CDI specs to /etc/cdi and reads the GPUs from /sys; privileged is upstream's discovery mode without the XPU manager daemon (reads GPU memory from the kernel driver); the token publishes the node's ResourceSlices, narrowed to its own node by the ValidatingAdmissionPolicy",
    });
  }
}
