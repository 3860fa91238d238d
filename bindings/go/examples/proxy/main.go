// SPDX-License-Identifier: Apache-2.0

// Command proxy is the loop of a tiny service proxy: it builds a table of
// services over a ClusterIP pool, applies pods, then for a few client
// connections looks each service port up and chooses a backend, as
// kube-proxy does for a connection to a ClusterIP.
package main

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"

	"clusterip"
)

type service struct {
	name     string
	app      string
	port     uint16
	target   uint16
	affinity bool
}

var services = []service{
	{name: "web", app: "web", port: 80, target: 8080},
	{name: "api", app: "api", port: 443, target: 8443, affinity: true},
}

// pods: three of web, two of api, one of api not ready yet.
var pods = []struct {
	name, app, ip string
	ready         bool
}{
	{"web-a", "web", "10.244.1.10", true},
	{"web-b", "web", "10.244.2.11", true},
	{"web-c", "web", "10.244.3.12", true},
	{"api-a", "api", "10.244.1.20", true},
	{"api-b", "api", "10.244.2.21", true},
	{"api-c", "api", "10.244.3.22", false},
}

var clients = []string{"192.168.0.5", "192.168.0.6", "192.168.0.7"}

// run builds the table and prints one line per connection:
// "client -> service vip:port => backend addr:port [affinity]".
func run(out io.Writer) error {
	pool, err := clusterip.NewPool(&clusterip.PoolOptions{Seed: 1})
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := pool.Add(netip.MustParsePrefix("10.96.0.0/24"), nil); err != nil {
		return err
	}
	table, err := clusterip.NewTable(&clusterip.TableOptions{Pool: pool, Seed: 1})
	if err != nil {
		return err
	}
	defer table.Close() // before the pool: deferred calls run last-in first-out

	now := clusterip.MonotonicNow()
	for _, s := range services {
		spec := &clusterip.ServiceSpec{
			Namespace: "shop", Name: s.name,
			Ports:    []clusterip.ServicePort{{Name: "main", Port: s.port, TargetPort: s.target}},
			Selector: []clusterip.Label{{Key: "app", Value: s.app}},
		}
		if s.affinity {
			spec.SessionAffinity = clusterip.AffinityClientIP
		}
		if err := table.CreateService(spec, now); err != nil {
			return fmt.Errorf("service %s: %w", s.name, err)
		}
	}
	for _, p := range pods {
		spec := &clusterip.PodSpec{
			Namespace: "shop", Name: p.name,
			IPs:    []netip.Addr{netip.MustParseAddr(p.ip)},
			Labels: []clusterip.Label{{Key: "app", Value: p.app}},
		}
		if p.ready {
			spec.Conditions = clusterip.Ready | clusterip.Serving
		}
		if err := table.ApplyPod(spec); err != nil {
			return fmt.Errorf("pod %s: %w", p.name, err)
		}
	}

	// what a proxy learns from DNS, then its connection loop
	for _, s := range services {
		recs, err := table.Resolve(s.name, clusterip.DNSA, "shop")
		if err != nil || len(recs) != 1 {
			return fmt.Errorf("resolve %s: %v", s.name, err)
		}
		vip := recs[0].Addr
		r, err := table.Lookup(vip, s.port, clusterip.TCP)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "service %s %s:%d: %d endpoints\n", s.name, vip, s.port, len(r.Endpoints))
		for round := 0; round < 2; round++ {
			for i, c := range clients {
				b, err := table.Select(clusterip.SelectRequest{
					VIP: vip, Port: s.port, Protocol: clusterip.TCP,
					Client: netip.MustParseAddr(c), ClientPort: uint16(40000 + i),
					Now: clusterip.MonotonicNow(),
				})
				if errors.Is(err, clusterip.ErrNoBackend) {
					fmt.Fprintf(out, "%s -> %s %s:%d => rejected\n", c, s.name, vip, s.port)
					continue
				}
				if err != nil {
					return err
				}
				tag := ""
				if b.Affinity {
					tag = " affinity"
				}
				fmt.Fprintf(out, "%s -> %s %s:%d => %s%s\n", c, s.name, vip, s.port,
					netip.AddrPortFrom(b.Addr, b.Port), tag)
			}
		}
	}
	return nil
}

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "proxy:", err)
		os.Exit(1)
	}
}
