/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * handoff prepare|release: the devices selected with 'handoff' go to vfio-pci when a VM
 * starts and come back when it ends. Run by the libvirt hook apply writes (--domain=NAME,
 * the domain's XML on stdin), or by hand for listed devices. Only devices the selection
 * marks for handoff move: the selection is the authority, not the domain.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "handoff/handoff.h"
#include "gen/gen.h"

static void say_step(void *userdata, const char *step)
{
	const char *name = userdata;
	printf("%s: %s\n", name, step);
	fflush(stdout);
}

/* Reads all of standard input (the domain's XML). */
static int read_stdin(char **ret, size_t *size)
{
	size_t n = 0, cap = 0;
	char *buf = NULL;
	for (;;) {
		if (n + 4096 > cap) {
			char *nb = realloc(buf, cap = cap ? cap * 2 : 65536);
			if (!nb || cap > 64 * 1024 * 1024) {
				free(nb ? nb : buf);
				return -ENOMEM;
			}
			buf = nb;
		}
		ssize_t k = read(STDIN_FILENO, buf + n, cap - n - 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			free(buf);
			return -errno;
		}
		if (k == 0)
			break;
		n += (size_t)k;
	}
	buf[n] = 0;
	*ret = buf;
	*size = n;
	return 0;
}

/* The handoff devices that go with the selection entries named by addrs (any function of
 * an entry's slot or group names the entry); every handoff device when addrs is NULL. */
static size_t devices_for(const VbPlan *p, const VbPciAddress *addrs, size_t n_addrs, const VbDevice **out)
{
	size_t n = 0;
	for (size_t i = 0; i < p->n_handoff; i++) {
		bool wanted = !addrs;
		for (size_t j = 0; j < p->n_handoff && !wanted; j++) {
			if (p->handoff[j].origin != p->handoff[i].origin)
				continue;
			for (size_t k = 0; k < n_addrs && !wanted; k++)
				wanted = vb_pci_address_cmp(&p->handoff[j].dev->addr, &addrs[k]) == 0;
		}
		if (wanted)
			out[n++] = p->handoff[i].dev;
	}
	return n;
}

/* The journal's name: the domain's, or the first device's for a list. */
static void journal_name(const Args *args, const VbDevice *const *devs, size_t n, char *buf, size_t size)
{
	if (args->domain)
		snprintf(buf, size, "%s", args->domain);
	else
		snprintf(buf, size, "devices-%s", n > 0 ? devs[0]->address : "all");
}

/* The addresses of the devices named on the command line, each one selected for handoff. */
static int named_addresses(const VbModel *m, const VbPlan *p, int argc, char **argv, VbPciAddress **ret,
			   size_t *ret_n)
{
	_cleanup_free_ const VbDevice **named = NULL;
	size_t n_named = 0;
	int status = cli_resolve_devices(m, argc, argv, &named, &n_named);
	if (status != 0)
		return status;
	VbPciAddress *addrs = calloc(n_named, sizeof(*addrs));
	if (!addrs)
		return cli_error(-ENOMEM, "failed to check the selection");
	*ret = addrs;
	for (size_t i = 0; i < n_named; i++) {
		addrs[(*ret_n)++] = named[i]->addr;
		bool found = false;
		for (size_t j = 0; j < p->n_handoff && !found; j++)
			found = p->handoff[j].dev == named[i];
		if (!found)
			return cli_error(
			    0, "%s is not selected for handoff: 'vfio-boot add --handoff %s' selects it",
			    named[i]->address, named[i]->address);
	}
	return 0;
}

int verb_handoff(VbContext *ctx, const Args *args, int argc, char **argv)
{
	bool prepare = strcmp(argv[0], "prepare") == 0;
	if (!prepare && strcmp(argv[0], "release") != 0)
		return cli_usage_error("handoff: '%s' is not prepare or release", argv[0]);
	if (args->domain && argc > 1)
		return cli_usage_error(
		    "handoff: --domain takes the devices from the domain; name no devices");
	VbModel *m;
	int status = cli_probe(ctx, &m);
	if (status != 0)
		return status;
	VbSelection *sel = NULL;
	VbPlan *p = NULL;
	const VbDevice **devs = NULL;
	VbPciAddress *addrs = NULL;
	VbDomainInfo domain = {0};
	size_t n_addrs = 0;
	_cleanup_free_ char *xml = NULL;
	int r;
	if (vb_selection_load(ctx, &sel) < 0) {
		status = 1;
		goto out;
	}
	if (!(p = calloc(1, sizeof(*p))) || !(devs = calloc(m->n_devices + 1, sizeof(*devs)))) {
		status = cli_error(-ENOMEM, "failed to check the selection");
		goto out;
	}
	p->model = m;
	p->selection = sel;
	if ((r = vb_policy_expand(m, sel, false, p)) < 0) {
		status = cli_failed(r, "failed to check the selection");
		goto out;
	}
	if ((status = cli_report_errors(p)) != 0)
		goto out;
	/* which devices: the domain's, the named ones, or all */
	if (args->domain && prepare) { /* release needs only the name: the journal has the rest */
		size_t size = 0;
		if ((r = read_stdin(&xml, &size)) < 0) {
			status = cli_error(r, "failed to read the domain's XML from standard input");
			goto out;
		}
		if ((r = vb_domain_xml_read(ctx, xml, size, &domain)) < 0) {
			status = cli_failed(r, "failed to read the domain's XML");
			goto out;
		}
		addrs = TAKE_PTR(domain.hostdevs);
		n_addrs = domain.n_hostdevs;
	} else if (argc > 1 && (status = named_addresses(m, p, argc - 1, argv + 1, &addrs, &n_addrs)) != 0)
		goto out;
	bool all = !args->domain && argc == 1;
	size_t n = devices_for(p, all ? NULL : addrs, n_addrs, devs);
	char name[300];
	journal_name(args, devs, n, name, sizeof(name));
	VbHandoffOptions o = {
	    .timeout_ms = (args->timeout_s ? args->timeout_s : VB_HANDOFF_DEFAULT_TIMEOUT_S) * 1000,
	    .dry_run = args->dry_run,
	    .governor = sel->cpu_governor,
	    .progress = args->verbosity >= 0 ? say_step : NULL,
	    .userdata = name,
	};
	if (prepare && n == 0) {
		/* a domain without handoff devices: the hook's common case, nothing to say */
		if (!args->domain && args->verbosity >= 0)
			printf(_("No device is selected for handoff ('vfio-boot add --handoff DEVICE').\n"));
		goto out;
	}
	r = prepare ? vb_handoff_prepare(ctx, name, devs, n, args->domain ? &domain : NULL, &o)
		    : vb_handoff_release(ctx, name, &o);
	if (r < 0) {
		status = cli_failed(r, prepare ? "handoff prepare failed" : "handoff release failed");
		if (prepare && !args->dry_run)
			fprintf(stderr, _("vfio-boot: everything prepare did was undone\n"));
		goto out;
	}
	if (prepare && !args->dry_run && args->verbosity >= 0)
		for (size_t i = 0; i < n; i++)
			printf(_("%s: %s is on vfio-pci\n"), name, devs[i]->address);
out:
	vb_domain_info_done(&domain);
	free(addrs);
	free(devs);
	vb_plan_free(p);
	vb_selection_free(sel);
	vb_model_free(m);
	return status;
}
