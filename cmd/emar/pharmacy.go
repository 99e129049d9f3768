package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/fhir"
	"github.com/emar-project/emar/mar/hl7"
	"github.com/emar-project/emar/mar/hl7map"
)

// pharmacyFlags are the serve flags of order intake and HL7 output.
type pharmacyFlags struct {
	mllpAddr, peer, outDir         *string
	app, facility, peerApp, peerFc *string
	autoVerify, allowStat          *bool
	outboxEvery                    *time.Duration
	ids                            identifierFlags
}

// identifierFlags say which identifier system a patient identifier is in.
type identifierFlags struct{ mrnSystem, authorities *string }

func addIdentifierFlags(f *flags) identifierFlags {
	return identifierFlags{
		mrnSystem: f.String("mrn-system", mar.DefaultMRNSystem, "identifier system (URI) of an MRN sent without a system or an HL7 assigning authority"),
		authorities: f.String("hl7-authority", "", "map HL7 assigning authorities (PID-3.4) to identifier systems: NAME=URI[,NAME=URI...]; "+
			"an authority not listed is refused unless it carries an ISO OID or a URI"),
	}
}

// config reads the flags; a malformed mapping is an error.
func (p identifierFlags) config() (mar.IdentifierConfig, error) {
	c := mar.IdentifierConfig{MRNSystem: strings.TrimSpace(*p.mrnSystem), Authorities: map[string]string{}}
	for _, pair := range strings.Split(*p.authorities, ",") {
		if strings.TrimSpace(pair) == "" {
			continue
		}
		name, system, ok := strings.Cut(pair, "=")
		name, system = strings.TrimSpace(name), strings.TrimSpace(system)
		if !ok || name == "" || !strings.Contains(system, ":") {
			return c, fmt.Errorf("--hl7-authority: %q is not NAME=URI", pair)
		}
		if prev, dup := c.Authorities[name]; dup && prev != system {
			return c, fmt.Errorf("--hl7-authority: %s is mapped twice (%s, %s)", name, prev, system)
		}
		c.Authorities[name] = system
	}
	return c, nil
}

func addPharmacyFlags(f *flags) pharmacyFlags {
	return pharmacyFlags{
		mllpAddr:    f.String("mllp-addr", "", "listen for HL7 v2 (RDE^O11 orders, RDS^O13 dispenses, ADT admissions) over MLLP on this address, e.g. :2575"),
		peer:        f.String("hl7-peer", "", "send a RAS^O17 for every administration to this MLLP peer (host:port), retried from an outbox"),
		outDir:      f.String("hl7-out", "", "also write each outgoing HL7 message as a file into this directory"),
		app:         f.String("hl7-app", "EMAR", "this service's HL7 application name (MSH-3)"),
		facility:    f.String("hl7-facility", "", "this service's HL7 facility (MSH-4)"),
		peerApp:     f.String("hl7-peer-app", "PHARMACY", "the receiving application (MSH-5) of outgoing messages"),
		peerFc:      f.String("hl7-peer-facility", "", "the receiving facility (MSH-6) of outgoing messages"),
		autoVerify:  f.Bool("auto-verify-external", false, "orders from HL7 or FHIR are active on arrival (the sender's pharmacy verified them) instead of waiting for verification"),
		allowStat:   f.Bool("allow-unverified-stat", false, "let nurses give STAT/NOW doses before pharmacy verification; each is flagged for review"),
		outboxEvery: f.Duration("outbox-interval", 10*time.Second, "how often the HL7 outbox is sent"),
		ids:         addIdentifierFlags(f),
	}
}

// apply sets the pharmacy options of the service and, when messages go
// out, the hook that puts one in the outbox with every administration.
func (p pharmacyFlags) apply(svc *mar.Service) error {
	ids, err := p.ids.config()
	if err != nil {
		return err
	}
	svc.Config.Identifiers = ids
	svc.Config.Pharmacy.AutoVerifyExternal = *p.autoVerify
	svc.Config.Pharmacy.AllowUnverifiedStat = *p.allowStat
	if *p.peer != "" || *p.outDir != "" {
		svc.OnAdministration = hl7map.Enqueuer(hl7map.Routing{SendingApplication: *p.app, SendingFacility: *p.facility,
			ReceivingApplication: *p.peerApp, ReceivingFacility: *p.peerFc, Identifiers: ids})
	}
	return nil
}

// start runs the MLLP listener, the outbox sender and the PRN psychotropic
// expiry job; stop ends them.
func (p pharmacyFlags) start(ctx context.Context, svc *mar.Service, log *slog.Logger, stdout io.Writer) (stop func(), err error) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{}, 3)
	n := 0
	if *p.mllpAddr != "" {
		h := &hl7map.Handler{Svc: svc, Channel: "hl7", Log: log, Application: *p.app, Facility: *p.facility}
		srv := &hl7.Server{Addr: *p.mllpAddr, Handler: h.Serve, Log: log, Application: *p.app, Facility: *p.facility}
		// Listen before serving, so a taken port fails the start.
		ln, err := net.Listen("tcp", *p.mllpAddr)
		if err != nil {
			cancel()
			return nil, fmt.Errorf("--mllp-addr %s: %w", *p.mllpAddr, err)
		}
		n++
		go func() {
			defer func() { done <- struct{}{} }()
			if err := srv.Serve(ctx, ln); err != nil {
				log.Error("MLLP listener stopped", "addr", ln.Addr().String(), "err", err)
			}
		}()
		log.Info("HL7 MLLP listener", "addr", ln.Addr().String())
		fmt.Fprintf(stdout, "HL7 MLLP listener on %s\n", ln.Addr())
	}
	if *p.peer != "" || *p.outDir != "" {
		sender := hl7map.Sender{Dir: *p.outDir}
		if *p.outDir != "" {
			if err := os.MkdirAll(*p.outDir, 0o750); err != nil {
				cancel()
				return nil, fmt.Errorf("--hl7-out: %w", err)
			}
		}
		if *p.peer != "" {
			sender.Client = &hl7.Client{Addr: *p.peer, Timeout: 30 * time.Second}
		}
		n++
		go func() {
			defer func() { done <- struct{}{} }()
			t := time.NewTicker(*p.outboxEvery)
			defer t.Stop()
			for {
				if _, _, err := svc.DeliverOutbound(ctx, 100, func(m mar.OutboundMessage) error { return sender.Send(ctx, m) }); err != nil && ctx.Err() == nil {
					log.Error("HL7 outbox", "err", err)
				}
				select {
				case <-ctx.Done():
					if sender.Client != nil {
						sender.Client.Close()
					}
					return
				case <-t.C:
				}
			}
		}()
	}
	n++
	go func() {
		defer func() { done <- struct{}{} }()
		t := time.NewTicker(15 * time.Minute)
		defer t.Stop()
		for {
			if id, err := svc.InterfaceIdentity(ctx, "jobs"); err == nil {
				if k, err := svc.ExpireOrders(ctx, id); err != nil && ctx.Err() == nil {
					log.Error("PRN psychotropic expiry", "err", err)
				} else if k > 0 {
					log.Info("PRN psychotropic orders expired", "orders", k)
				}
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return func() {
		cancel()
		for i := 0; i < n; i++ {
			<-done
		}
	}, nil
}

// cmdImport applies HL7 v2 or FHIR files to the record, the way messages
// over the wire are: one transaction per message or resource, an
// acknowledgement (or OperationOutcome-style line) for each.
func cmdImport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "hl7" && args[0] != "fhir") {
		return usageError("usage: emar import hl7|fhir [--db DSN] [--ack-dir DIR] FILE...")
	}
	kind := args[0]
	f := newFlags("import "+kind, getenv, stderr)
	dsn := f.db()
	ackDir := f.String("ack-dir", "", "write the acknowledgement of each HL7 message into this directory")
	autoVerify := f.Bool("auto-verify-external", false, "imported orders are active at once instead of waiting for verification")
	idFlags := addIdentifierFlags(f)
	if err := f.FlagSet.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &exitError{code: 2}
	}
	files := f.Args()
	if len(files) == 0 {
		return usageError("name at least one file to import")
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, err := openStore(ctx, *dsn, true, log)
	if err != nil {
		return err
	}
	defer st.Close()
	svc := mar.NewService(st, log)
	svc.Config.Pharmacy.AutoVerifyExternal = *autoVerify
	if svc.Config.Identifiers, err = idFlags.config(); err != nil {
		return err
	}
	failed := 0
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			return err
		}
		switch kind {
		case "hl7":
			h := &hl7map.Handler{Svc: svc, Channel: "import"}
			for _, r := range h.ImportFile(ctx, data) {
				status := "accepted"
				if r.Outcome.Code != hl7.AckAccept {
					failed++
					status = "refused: " + r.Outcome.Err.Error()
					if l := r.Outcome.Err.Location(); l != "" {
						status = fmt.Sprintf("refused at %s (HL7 error %s): %s", l, r.Outcome.Err.Code, r.Outcome.Err.Message)
					}
				}
				fmt.Fprintf(stdout, "%s message %d %s %s: %s %s\n", name, r.Index, r.Outcome.Type, r.Outcome.ControlID, r.Outcome.Code, status)
				if *ackDir != "" {
					ack := filepath.Join(*ackDir, fmt.Sprintf("%s.%d.ack.hl7", filepath.Base(name), r.Index))
					if err := os.WriteFile(ack, r.ACK, 0o640); err != nil {
						return err
					}
				}
			}
		case "fhir":
			id, err := svc.InterfaceIdentity(ctx, "import")
			if err != nil {
				return err
			}
			results, err := fhir.Import(ctx, svc, id, data)
			if err != nil {
				failed++
				fmt.Fprintf(stdout, "%s: refused: %v\n", name, err)
				continue
			}
			for _, r := range results {
				if r.Err != nil {
					failed++
					fmt.Fprintf(stdout, "%s entry %d %s: refused: %v\n", name, r.Index, r.Type, r.Err)
				} else {
					fmt.Fprintf(stdout, "%s entry %d %s: stored as %s/%s\n", name, r.Index, r.Type, r.Type, r.ID)
				}
			}
		}
	}
	if failed > 0 {
		return &exitError{code: 1, msg: fmt.Sprintf("%d message(s) or resource(s) refused", failed)}
	}
	return nil
}
