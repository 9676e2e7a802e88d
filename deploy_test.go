package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"reflect"

	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"voiceid/provider/aircall"
	"voiceid/provider/ringcentral"

	"voiceid/config"

	"github.com/robfig/cron/v3"
	"go.yaml.in/yaml/v3"
)

// acceptsArgs checks that voiceid parses these arguments: each flag exists
// and takes its value (--help stops the command after parsing).
func acceptsArgs(t *testing.T, where string, args []string) {
	t.Helper()
	if code, out := cli(t, append(slices.Clone(args), "--help")...); code != 0 {
		t.Errorf("%s: voiceid does not accept %q: exit %d\n%s", where, args, code, out)
	}
}

// unit is a systemd unit file: section -> key -> values, in order (a key may repeat).
type unit map[string]map[string][]string

func readUnit(t *testing.T, file string) unit {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	u, section := unit{}, ""
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || line[0] == '#' || line[0] == ';':
		case line[0] == '[' && line[len(line)-1] == ']':
			section = line[1 : len(line)-1]
			u[section] = map[string][]string{}
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok || section == "" {
				t.Fatalf("%s:%d: not a key=value line in a section: %q", file, n, line)
			}
			u[section][strings.TrimSpace(k)] = append(u[section][strings.TrimSpace(k)], strings.TrimSpace(v))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return u
}

// last is the value systemd uses for a key given once or more.
func (u unit) last(section, key string) (string, bool) {
	vs := u[section][key]
	if len(vs) == 0 {
		return "", false
	}
	return vs[len(vs)-1], true
}

func TestSystemdServiceIsAHardenedOneshotSync(t *testing.T) {
	u := readUnit(t, "deploy/systemd/voiceid.service")
	want := map[string]string{
		"Type": "oneshot", "StateDirectory": "voiceid", "ProtectSystem": "strict", "ProtectHome": "yes",
		"NoNewPrivileges": "yes", "PrivateTmp": "yes", "PrivateDevices": "yes", "CapabilityBoundingSet": "",
		"RestrictSUIDSGID": "yes", "UMask": "0077",
	}
	for k, v := range want {
		if got, ok := u.last("Service", k); !ok || got != v {
			t.Errorf("[Service] %s = %q (set: %v), want %q", k, got, ok, v)
		}
	}
	user, _ := u.last("Service", "User")
	if dyn, _ := u.last("Service", "DynamicUser"); (user == "" || user == "root" || user == "0") && dyn != "yes" {
		t.Errorf("the service runs as root: User=%q DynamicUser=%q", user, dyn)
	}
	exec, _ := u.last("Service", "ExecStart")
	args := strings.Fields(exec)
	if len(args) < 4 || filepath.Base(args[0]) != "voiceid" || args[1] != "sync" || !slices.Contains(args, "--config") ||
		args[slices.Index(args, "--config")+1] != "/etc/voiceid/voiceid.toml" {
		t.Fatalf("ExecStart=%s, want voiceid sync --config /etc/voiceid/voiceid.toml", exec)
	}
	acceptsArgs(t, "ExecStart", args[1:])
	// a run that failed to write (exit 4, or 1 when every write failed) must fail the unit: OnFailure= fires
	if v, ok := u.last("Service", "SuccessExitStatus"); ok {
		t.Errorf("SuccessExitStatus=%s hides failed writes from systemd", v)
	}
	users, err := os.ReadFile("deploy/systemd/voiceid-sysusers.conf")
	if err != nil || !regexp.MustCompile(`(?m)^u\s+`+regexp.QuoteMeta(user)+`\s`).Match(users) {
		t.Errorf("deploy/systemd/voiceid-sysusers.conf does not create the user %q (%v)", user, err)
	}
}

func TestSystemdTimerIsNightlyPersistentAndSpread(t *testing.T) {
	u := readUnit(t, "deploy/systemd/voiceid.timer")
	if v, _ := u.last("Timer", "OnCalendar"); !regexp.MustCompile(`^\*-\*-\* \d\d:\d\d(:\d\d)?$`).MatchString(v) {
		t.Errorf("OnCalendar=%q: want a daily time (*-*-* HH:MM:SS)", v)
	}
	if v, _ := u.last("Timer", "Persistent"); v != "true" {
		t.Errorf("Persistent=%q: a night missed while the machine was off would be skipped", v)
	}
	if v, _ := u.last("Timer", "RandomizedDelaySec"); v == "" || v == "0" {
		t.Errorf("RandomizedDelaySec=%q", v)
	}
	// Without Unit=, a timer starts the service of its own name.
	if v, ok := u.last("Timer", "Unit"); ok && v != "voiceid.service" {
		t.Errorf("Unit=%s", v)
	}
	if v, _ := u.last("Install", "WantedBy"); v != "timers.target" {
		t.Errorf("WantedBy=%q", v)
	}
}

// The Kubernetes types, only as far as cronjob.yaml uses them: decoding
// with known fields only turns a misspelt key into a test failure.
type (
	k8sObject struct {
		APIVersion string `yaml:"apiVersion"`
		Kind       string `yaml:"kind"`
		Metadata   struct{ Name string }
		Data       map[string]string `yaml:"data"`
		Spec       yaml.Node         `yaml:"spec"`
	}
	pvcSpec struct {
		AccessModes []string `yaml:"accessModes"`
		Resources   struct {
			Requests map[string]string `yaml:"requests"`
		} `yaml:"resources"`
	}
	cronJobSpec struct {
		Schedule                   string `yaml:"schedule"`
		TimeZone                   string `yaml:"timeZone"`
		ConcurrencyPolicy          string `yaml:"concurrencyPolicy"`
		StartingDeadlineSeconds    int    `yaml:"startingDeadlineSeconds"`
		SuccessfulJobsHistoryLimit int    `yaml:"successfulJobsHistoryLimit"`
		FailedJobsHistoryLimit     int    `yaml:"failedJobsHistoryLimit"`
		JobTemplate                struct {
			Spec struct {
				BackoffLimit          *int `yaml:"backoffLimit"`
				ActiveDeadlineSeconds int  `yaml:"activeDeadlineSeconds"`
				Template              struct {
					Spec podSpec `yaml:"spec"`
				} `yaml:"template"`
			} `yaml:"spec"`
		} `yaml:"jobTemplate"`
	}
	podSpec struct {
		RestartPolicy   string `yaml:"restartPolicy"`
		SecurityContext struct {
			RunAsNonRoot   *bool `yaml:"runAsNonRoot"`
			RunAsUser      int   `yaml:"runAsUser"`
			RunAsGroup     int   `yaml:"runAsGroup"`
			FSGroup        int   `yaml:"fsGroup"`
			SeccompProfile struct {
				Type string `yaml:"type"`
			} `yaml:"seccompProfile"`
		} `yaml:"securityContext"`
		Containers []container `yaml:"containers"`
		Volumes    []podVolume `yaml:"volumes"`
	}
	container struct {
		Name            string   `yaml:"name"`
		Image           string   `yaml:"image"`
		ImagePullPolicy string   `yaml:"imagePullPolicy"`
		Command         []string `yaml:"command"`
		Args            []string `yaml:"args"`
		Env             []struct {
			Name      string  `yaml:"name"`
			Value     *string `yaml:"value"`
			ValueFrom *struct {
				SecretKeyRef *struct{ Name, Key string } `yaml:"secretKeyRef"`
			} `yaml:"valueFrom"`
		} `yaml:"env"`
		SecurityContext struct {
			AllowPrivilegeEscalation *bool `yaml:"allowPrivilegeEscalation"`
			ReadOnlyRootFilesystem   *bool `yaml:"readOnlyRootFilesystem"`
			Capabilities             struct {
				Drop []string `yaml:"drop"`
			} `yaml:"capabilities"`
		} `yaml:"securityContext"`
		Resources struct {
			Requests map[string]string `yaml:"requests"`
			Limits   map[string]string `yaml:"limits"`
		} `yaml:"resources"`
		VolumeMounts []struct {
			Name      string `yaml:"name"`
			MountPath string `yaml:"mountPath"`
			SubPath   string `yaml:"subPath"`
			ReadOnly  bool   `yaml:"readOnly"`
		} `yaml:"volumeMounts"`
	}
)

func (v podVolume) secretItems() []string {
	if v.Secret == nil {
		return nil
	}
	var out []string
	for _, it := range v.Secret.Items {
		out = append(out, it.Path)
	}
	return out
}

type podVolume struct {
	Name                  string `yaml:"name"`
	PersistentVolumeClaim *struct {
		ClaimName string `yaml:"claimName"`
	} `yaml:"persistentVolumeClaim"`
	ConfigMap *struct {
		Name        string `yaml:"name"`
		DefaultMode int    `yaml:"defaultMode"`
	} `yaml:"configMap"`
	Secret *struct {
		SecretName  string `yaml:"secretName"`
		Items       []struct{ Key, Path string }
		DefaultMode int `yaml:"defaultMode"`
	} `yaml:"secret"`
	EmptyDir *struct{} `yaml:"emptyDir"`
}

// strictDecode decodes into v, refusing keys v has no field for.
func strictDecode(t *testing.T, what string, n *yaml.Node, v any) {
	t.Helper()
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	if err := enc.Encode(n); err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(&buf)
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func readManifests(t *testing.T, file string) map[string]k8sObject {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	objs := map[string]k8sObject{}
	dec := yaml.NewDecoder(f)
	dec.KnownFields(true)
	for {
		var o k8sObject
		if err := dec.Decode(&o); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		objs[o.Kind] = o
	}
	return objs
}

func TestKubernetesCronJobRunsSyncAsNonRootWithStateOnAVolume(t *testing.T) {
	objs := readManifests(t, "deploy/kubernetes/cronjob.yaml")
	pod := cronJobPod(t, objs)
	c, configPath := syncContainer(t, pod)
	env := secretEnv(t, c)
	files := mountPod(t, objs, pod, c, configPath)
	for _, secret := range []string{"client_secret", "jwt", "api_id", "api_token", "client_id"} {
		for _, line := range regexp.MustCompile(`(?m)^`+secret+` = .*$`).FindAllString(files.toml, -1) {
			if !strings.Contains(line, `"${`) {
				t.Errorf("the ConfigMap writes a secret inline: %s", line)
			}
		}
	}

	// The ConfigMap's config loads in that filesystem, with the Secret's variables.
	for name, v := range env {
		t.Setenv(name, v)
	}
	root, stateMount, keyMount := files.root, files.stateMount, files.keyMount
	mounted := strings.NewReplacer(stateMount+"/", filepath.Join(root, stateMount)+"/", keyMount+"/", filepath.Join(root, keyMount)+"/").Replace(files.toml)
	file := filepath.Join(t.TempDir(), "voiceid.toml")
	os.WriteFile(file, []byte(mounted), 0o600)
	cfg, err := config.Load(file)
	if err != nil {
		t.Fatalf("the ConfigMap's voiceid.toml does not load: %v", err)
	}
	if dir := filepath.Dir(cfg.State.Path); dir != filepath.Join(root, stateMount) {
		t.Errorf("[state] path %s is not on the PersistentVolumeClaim (%s)", cfg.State.Path, stateMount)
	}
	rc, ac := cfg.Section(ringcentral.Name).(*ringcentral.Section), cfg.Section(aircall.Name).(*aircall.Section)
	if rc.ClientSecret != "value-of-RINGCENTRAL_CLIENT_SECRET" || ac.APIToken != "value-of-AIRCALL_API_TOKEN" {
		t.Errorf("secrets do not come from the environment: %q %q", rc.ClientSecret, ac.APIToken)
	}
}

// cronJobPod checks the CronJob around the pod (no Secret beside it, a
// schedule, never two at once, a Job's restart policy, the image's non-root
// user, one container) and returns the pod.
func cronJobPod(t *testing.T, objs map[string]k8sObject) podSpec {
	t.Helper()
	if _, ok := objs["Secret"]; ok {
		t.Error("cronjob.yaml holds a Secret: secret values must not be in the repository")
	}
	cj, ok := objs["CronJob"]
	if !ok || cj.APIVersion != "batch/v1" {
		t.Fatalf("no batch/v1 CronJob in cronjob.yaml: %+v", cj)
	}
	var spec cronJobSpec
	strictDecode(t, "CronJob spec", &cj.Spec, &spec)
	if _, err := cron.ParseStandard(spec.Schedule); err != nil {
		t.Errorf("schedule %q: %v", spec.Schedule, err)
	}
	if spec.ConcurrencyPolicy != "Forbid" {
		t.Errorf("concurrencyPolicy %q, want Forbid", spec.ConcurrencyPolicy)
	}
	pod := spec.JobTemplate.Spec.Template.Spec
	if pod.RestartPolicy != "Never" && pod.RestartPolicy != "OnFailure" {
		t.Errorf("restartPolicy %q: a Job's pod needs Never or OnFailure", pod.RestartPolicy)
	}
	if sc := pod.SecurityContext; sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.RunAsUser == 0 {
		t.Errorf("pod securityContext: runAsNonRoot %v, runAsUser %d", sc.RunAsNonRoot, sc.RunAsUser)
	}
	if dockerUser := dockerfileUser(t); strconv.Itoa(pod.SecurityContext.RunAsUser) != dockerUser {
		t.Errorf("runAsUser %d, the image's USER is %s", pod.SecurityContext.RunAsUser, dockerUser)
	}
	if len(pod.Containers) != 1 {
		t.Fatalf("%d containers, want 1", len(pod.Containers))
	}
	return pod
}

// syncContainer checks that the pod's container runs voiceid sync on a
// read-only root with no privileges, and returns it with its config's path.
func syncContainer(t *testing.T, pod podSpec) (container, string) {
	t.Helper()
	c := pod.Containers[0]
	if c.Image != "voiceid:latest" {
		t.Errorf("image %q", c.Image)
	}
	sc := c.SecurityContext
	if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
		!slices.Equal(sc.Capabilities.Drop, []string{"ALL"}) {
		t.Errorf("container securityContext: %+v", sc)
	}
	argv := append(slices.Clone(c.Command), c.Args...)
	if len(argv) < 4 || argv[0] != "/voiceid" || argv[1] != "sync" || !slices.Contains(argv, "--config") {
		t.Fatalf("the container runs %q, want /voiceid sync --config ...", argv)
	}
	acceptsArgs(t, "the CronJob's args", argv[1:])
	return c, argv[slices.Index(argv, "--config")+1]
}

// secretEnv checks that every variable comes from a Secret (none is written
// here) and gives each a made-up value.
func secretEnv(t *testing.T, c container) map[string]string {
	t.Helper()
	env := map[string]string{}
	for _, e := range c.Env {
		if e.Value != nil || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil {
			t.Errorf("env %s is not taken from a Secret", e.Name)
		}
		env[e.Name] = "value-of-" + e.Name
	}
	return env
}

// podFiles is the pod's filesystem as far as voiceid sees it: the mounts
// under root, and the config the ConfigMap holds.
type podFiles struct{ root, toml, stateMount, keyMount string }

// mountPod makes each of the container's mounts a temporary directory under
// one root, checking the volume each names: the state on the
// PersistentVolumeClaim, the config from the ConfigMap at configPath, the
// Salesforce key from a Secret.
func mountPod(t *testing.T, objs map[string]k8sObject, pod podSpec, c container, configPath string) podFiles {
	t.Helper()
	volumes := map[string]int{}
	for i, v := range pod.Volumes {
		volumes[v.Name] = i
	}
	f := podFiles{root: t.TempDir()}
	for _, m := range c.VolumeMounts {
		i, ok := volumes[m.Name]
		if !ok {
			t.Fatalf("volumeMount %s names no volume", m.Name)
		}
		v := pod.Volumes[i]
		switch {
		case v.PersistentVolumeClaim != nil:
			if pvc, ok := objs["PersistentVolumeClaim"]; !ok || pvc.Metadata.Name != v.PersistentVolumeClaim.ClaimName {
				t.Errorf("volume %s claims %q, which cronjob.yaml does not define", v.Name, v.PersistentVolumeClaim.ClaimName)
			} else {
				var ps pvcSpec
				strictDecode(t, "PersistentVolumeClaim spec", &pvc.Spec, &ps)
			}
			f.stateMount = m.MountPath
		case v.ConfigMap != nil:
			cm, ok := objs["ConfigMap"]
			if !ok || cm.Metadata.Name != v.ConfigMap.Name || m.MountPath != configPath || cm.Data[m.SubPath] == "" {
				t.Fatalf("the config %s is not the ConfigMap %q's key %q", configPath, v.ConfigMap.Name, m.SubPath)
			}
			f.toml = cm.Data[m.SubPath]
			continue
		case v.Secret != nil:
			f.keyMount = m.MountPath
		}
		os.MkdirAll(filepath.Join(f.root, m.MountPath), 0o700)
		for _, it := range pod.Volumes[i].secretItems() {
			os.WriteFile(filepath.Join(f.root, m.MountPath, it), []byte("key"), 0o600)
		}
	}
	if f.stateMount == "" || f.keyMount == "" || f.toml == "" {
		t.Fatalf("mounts: state %q, Salesforce key %q, config found %v", f.stateMount, f.keyMount, f.toml != "")
	}
	return f
}

// dockerfile is the final stage's instructions: keyword -> arguments, last one wins.
func dockerfile(t *testing.T) map[string]string {
	t.Helper()
	data, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	var stage map[string]string
	var copies []string
	for _, line := range strings.Split(strings.ReplaceAll(string(data), "\\\n", " "), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		kw, rest, _ := strings.Cut(line, " ")
		kw = strings.ToUpper(kw)
		if kw == "FROM" {
			stage, copies = map[string]string{}, nil
		}
		if kw == "COPY" {
			copies = append(copies, rest)
			stage["COPY"] = strings.Join(copies, "\n")
			continue
		}
		stage[kw] = strings.TrimSpace(rest)
	}
	return stage
}

func dockerfileUser(t *testing.T) string {
	uid, _, _ := strings.Cut(dockerfile(t)["USER"], ":")
	return uid
}

func TestDockerfileShipsTheReleaseBinaryAsNonRoot(t *testing.T) {
	final := dockerfile(t)
	if final["FROM"] != "scratch" {
		t.Errorf("final stage FROM %q, want scratch", final["FROM"])
	}
	if !slices.Contains(strings.Split(final["COPY"], "\n"), "dist/voiceid_linux_amd64 /voiceid") {
		t.Errorf("the image does not copy release/build.sh's binary:\n%s", final["COPY"])
	}
	if !strings.Contains(final["COPY"], "/etc/ssl/certs/ca-certificates.crt") {
		t.Error("no CA certificates: scratch has none, and every API is https")
	}
	if uid, err := strconv.Atoi(dockerfileUser(t)); err != nil || uid == 0 {
		t.Errorf("USER %q: want a numeric non-root uid (Kubernetes' runAsNonRoot checks a number)", final["USER"])
	}
	if final["VOLUME"] != "/var/lib/voiceid" || final["ENTRYPOINT"] != `["/voiceid"]` {
		t.Errorf("VOLUME %q, ENTRYPOINT %q", final["VOLUME"], final["ENTRYPOINT"])
	}
	var cmd []string
	if err := json.Unmarshal([]byte(final["CMD"]), &cmd); err != nil {
		t.Fatalf("CMD %s is not an exec-form array: %v", final["CMD"], err)
	}
	if want := []string{"schedule", "--config", "/etc/voiceid/voiceid.toml", "--log-format", "json"}; !slices.Equal(cmd, want) {
		t.Errorf("CMD %q, want %q", cmd, want)
	}
	acceptsArgs(t, "the image's CMD", cmd)
	// The build context holds the binary and nothing else (no voiceid.toml, state file or key).
	ignore, err := os.ReadFile(".dockerignore")
	if err != nil || !strings.Contains(string(ignore), "\n*\n") || !strings.Contains(string(ignore), "\n!dist/voiceid_linux_amd64") {
		t.Errorf(".dockerignore does not admit only the binary: %v\n%s", err, ignore)
	}
	// release/build.sh names its outputs voiceid_<os>_<arch>, linux/amd64 among them.
	script, err := os.ReadFile("release/build.sh")
	if err != nil || !strings.Contains(string(script), "linux/amd64") || !strings.Contains(string(script), `dist/voiceid_${os}_${arch}`) {
		t.Errorf("release/build.sh does not build dist/voiceid_linux_amd64 (%v)", err)
	}
}

// The fast lane's unit is the nightly one with another command: the same
// user, config, secrets, state and hardening, only `sync --new`, a shorter
// timeout and its own description differ.
func TestSystemdFastLaneServiceIsTheSyncHardenedTheSameWay(t *testing.T) {
	nightly, fast := readUnit(t, "deploy/systemd/voiceid.service"), readUnit(t, "deploy/systemd/voiceid-new.service")
	differ := map[string]bool{"ExecStart": true, "TimeoutStartSec": true}
	for k, v := range nightly["Service"] {
		if !differ[k] && !slices.Equal(fast["Service"][k], v) {
			t.Errorf("[Service] %s: the fast lane has %q, the nightly unit %q", k, fast["Service"][k], v)
		}
	}
	for k := range fast["Service"] {
		if _, ok := nightly["Service"][k]; !ok && !differ[k] {
			t.Errorf("[Service] %s is only in the fast lane's unit", k)
		}
	}
	exec, _ := fast.last("Service", "ExecStart")
	args := strings.Fields(exec)
	if !slices.Contains(args, "--new") || args[1] != "sync" {
		t.Fatalf("ExecStart=%s, want voiceid sync --new", exec)
	}
	acceptsArgs(t, "voiceid-new.service ExecStart", args[1:])
	timer := readUnit(t, "deploy/systemd/voiceid-new.timer")
	if v, _ := timer.last("Timer", "OnCalendar"); !strings.Contains(v, "/15") {
		t.Errorf("OnCalendar=%q: want every 15 minutes", v)
	}
	if v, _ := timer.last("Install", "WantedBy"); v != "timers.target" {
		t.Errorf("WantedBy=%q", v)
	}
}

// The fast lane's CronJob runs `sync --new` every 15 minutes on the nightly
// CronJob's state, config and secrets, never two at once.
func TestKubernetesFastLaneCronJobSharesTheNightlysStateAndConfig(t *testing.T) {
	nightly := cronJobPod(t, readManifests(t, "deploy/kubernetes/cronjob.yaml"))
	objs := readManifests(t, "deploy/kubernetes/cronjob-new.yaml")
	if len(objs) != 1 {
		t.Errorf("cronjob-new.yaml holds %d objects, want only its CronJob (the rest is the nightly file's)", len(objs))
	}
	fast := cronJobPod(t, objs)
	var spec cronJobSpec
	cj := objs["CronJob"]
	strictDecode(t, "CronJob spec", &cj.Spec, &spec)
	if !strings.Contains(spec.Schedule, "*/15") {
		t.Errorf("schedule %q: want every 15 minutes", spec.Schedule)
	}
	c, n := fast.Containers[0], nightly.Containers[0]
	if !slices.Contains(c.Args, "--new") || c.Args[0] != "sync" {
		t.Fatalf("args %q, want sync --new", c.Args)
	}
	acceptsArgs(t, "cronjob-new.yaml args", c.Args)
	if !reflect.DeepEqual(fast.Volumes, nightly.Volumes) || !reflect.DeepEqual(c.Env, n.Env) || !reflect.DeepEqual(c.VolumeMounts, n.VolumeMounts) {
		t.Error("the fast lane's volumes or Secret environment differ from the nightly CronJob's")
	}
}
