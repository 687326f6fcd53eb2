package cli

import (
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"provkeys/model"
	"provkeys/ui/enroll/client"
)

// enrollCmd is the machine's side of enrollment (DESIGN §9), whose work is in
// ui/enroll/client: a P-256 key and a certificate request made here, so the private key never
// leaves the machine, the provisioning key presented to the service, and NAME.key (0600),
// NAME.crt and ca.crt written to --out. It opens no store.
func enrollCmd(e *env) *cobra.Command {
	var server, caFile, keyFile, name, outDir string
	var force bool
	c := leaf(e, "enroll --server URL --ca FILE --key-file FILE --name NAME [--out DIR]",
		"enroll this machine: get a certificate from a provkeys service with a provisioning key", takes(),
		func(e *env, _ *cobra.Command, _ []string) error {
			for flag, v := range map[string]string{"--server": server, "--ca": caFile, "--key-file": keyFile, "--name": name} {
				if v == "" {
					return usagef("enroll: %s is required; see provkeys enroll --help", flag)
				}
			}
			if err := model.ValidateName(model.FieldMachine, name); err != nil {
				return usagef("enroll: --name: %v", err)
			}
			endpoint, err := enrollURL(server)
			if err != nil {
				return err
			}
			hc, err := client.NewHTTPClient(caFile)
			if err != nil {
				return err
			}
			secret, err := e.readProvisioningKey(keyFile)
			if err != nil {
				return err
			}
			got, err := client.Enroll(e.ctx, hc, client.Request{Endpoint: endpoint, Secret: secret, Name: name, OutDir: outDir, Force: force})
			if err != nil {
				return err
			}
			fmt.Fprintf(e.out, "Enrolled %s with key %s: certificate %s (serial %s, expires %s).\n",
				model.Sanitize(got.Machine.Name), model.Sanitize(got.Machine.Key), model.Sanitize(got.CertPath),
				model.Sanitize(got.Machine.Serial), humanTime(got.Machine.NotAfter))
			return nil
		})
	f := c.Flags()
	f.StringVar(&server, "server", "", "the enrollment service, `URL` https://HOST:8443")
	f.StringVar(&caFile, "ca", "", "the Root CA certificate `FILE` to trust the service by (provkeys certs export Root)")
	f.StringVar(&keyFile, "key-file", "", "the `FILE` holding the provisioning key (- reads standard input)")
	f.StringVar(&name, "name", "", "this machine's `NAME`")
	f.StringVar(&outDir, "out", ".", "the `DIR` to write NAME.key, NAME.crt and ca.crt to")
	f.BoolVar(&force, "force", false, "replace the files if they exist (never through a symbolic link)")
	_ = c.MarkFlagFilename("ca", "pem", "crt")
	_ = c.MarkFlagFilename("key-file")
	_ = c.MarkFlagDirname("out")
	c.Annotations = map[string]string{localOnly: "true"}
	return c
}

// enrollURL is the enroll endpoint of server, which must be an https URL with a host.
func enrollURL(server string) (string, error) {
	u, err := url.Parse(server)
	if err != nil || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return "", usagef("enroll: --server must be a URL such as https://HOST:8443, not %q", server)
	}
	if u.Scheme != "https" {
		return "", usagef("enroll: --server must use https (the provisioning key travels in the request), not %q", u.Scheme)
	}
	return "https://" + u.Host + "/v1/enroll", nil
}

// readProvisioningKey reads the key from path (or standard input for "-"), first line only.
func (e *env) readProvisioningKey(path string) (string, error) {
	var b []byte
	var err error
	if path == "-" {
		b, err = readInput(e.ctx, e.io.In, 64<<10)
	} else {
		var f *os.File
		if f, err = os.Open(path); err == nil {
			b, err = readInput(e.ctx, f, 64<<10)
			f.Close()
		}
	}
	if err != nil {
		return "", fmt.Errorf("read --key-file: %w", err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	if line = strings.TrimSpace(line); line == "" {
		return "", fmt.Errorf("--key-file %s is empty; it must hold the provisioning key", path)
	}
	return line, nil
}
