/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The profile's pure parts: CPU lists, the pinning algorithm, version parsing, qemu-server's
 * limits on hostpci. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "profile/profile.h"

static void cpulists(void **state)
{
	(void)state;
	unsigned cpus[64];
	size_t n;
	char text[128];
	assert_int_equal(vb_cpulist_parse("0-5,12-17\n", cpus, 64, &n), 0);
	assert_int_equal(n, 12);
	assert_int_equal(cpus[6], 12);
	vb_cpulist_format(cpus, n, text, sizeof(text));
	assert_string_equal(text, "0-5,12-17");
	assert_int_equal(vb_cpulist_parse("7,3,3,1-2", cpus, 64, &n), 0);
	vb_cpulist_format(cpus, n, text, sizeof(text));
	assert_string_equal(text, "1-3,7");
	assert_int_equal(vb_cpulist_parse("", cpus, 64, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(vb_cpulist_parse("3-1", cpus, 64, &n), -EINVAL);
	assert_int_equal(vb_cpulist_parse("1-", cpus, 64, &n), -EINVAL);
	assert_int_equal(vb_cpulist_parse("a", cpus, 64, &n), -EINVAL);
	assert_int_equal(vb_cpulist_parse("1,,2", cpus, 64, &n), -EINVAL);
	assert_int_equal(vb_cpulist_parse("0-4095", cpus, 64, &n), -EINVAL);
	assert_int_equal(vb_cpulist_parse("0-100", cpus, 64, &n), -E2BIG);
}

/* cores of threads each; siblings (n, n+cores) when split (Intel), (2k, 2k+1) otherwise;
 * l3_cores cores per L3 domain (0: one domain) */
static VbCpuTopology make(unsigned cores, unsigned threads, bool split, unsigned l3_cores)
{
	VbCpuTopology t = {.cores = calloc(cores, sizeof(VbCpuCore)),
			   .n_cores = cores,
			   .n_cpus = cores * threads,
			   .n_l3 = l3_cores ? cores / l3_cores : 1,
			   .l3_known = true,
			   .smt_known = true};
	assert_non_null(t.cores);
	for (unsigned c = 0; c < cores; c++) {
		t.cores[c].n_cpus = threads;
		for (unsigned k = 0; k < threads; k++)
			t.cores[c].cpus[k] = split ? c + k * cores : c * threads + k;
		t.cores[c].l3 = l3_cores ? (int)(c / l3_cores) : 0;
	}
	return t;
}

static void expect_pins(const VbPinning *p, const char *vcpus, const char *host)
{
	char text[512] = "";
	size_t len = 0;
	for (unsigned i = 0; i < p->n_vcpus; i++)
		len +=
		    (size_t)snprintf(text + len, sizeof(text) - len, "%s%u", i ? " " : "", p->vcpu_cpus[i]);
	assert_string_equal(text, vcpus);
	vb_cpulist_format(p->host_cpus, p->n_host, text, sizeof(text));
	assert_string_equal(text, host);
}

/* The tutorial's i7-5820K: 6 cores, siblings (n, n+6), one L3. */
static void pinning_x99(void **state)
{
	(void)state;
	VbCpuTopology t = make(6, 2, true, 0);
	VbPinning p;
	unsigned max;
	assert_int_equal(vb_pinning_choose(&t, 0, &p, &max), 0);
	assert_int_equal(max, 10);
	assert_int_equal(p.cores, 5);
	assert_int_equal(p.threads, 2);
	expect_pins(&p, "1 7 2 8 3 9 4 10 5 11", "0,6");
	/* 4 vCPUs: two whole cores */
	assert_int_equal(vb_pinning_choose(&t, 4, &p, NULL), 0);
	expect_pins(&p, "1 7 2 8", "0,3-6,9-11");
	assert_int_equal(p.threads, 2);
	/* an odd count cuts a core: the guest cannot be told it has SMT pairs */
	assert_int_equal(vb_pinning_choose(&t, 3, &p, NULL), 0);
	expect_pins(&p, "1 7 2", "0,3-6,8-11");
	assert_int_equal(p.threads, 1);
	assert_int_equal(p.cores, 3);
	/* the host's core is never given */
	assert_int_equal(vb_pinning_choose(&t, 11, &p, &max), -ERANGE);
	assert_int_equal(max, 10);
	free(t.cores);
}

/* A Ryzen 7 3700X: 8 cores in two L3 domains of 4, siblings (2k, 2k+1). */
static void pinning_two_ccx(void **state)
{
	(void)state;
	VbCpuTopology t = make(8, 2, false, 4);
	VbPinning p;
	assert_int_equal(vb_pinning_choose(&t, 0, &p, NULL), 0);
	/* the default: the whole second CCX, the host keeps the first */
	expect_pins(&p, "8 9 10 11 12 13 14 15", "0-7");
	assert_int_equal(p.n_l3_whole, 1);
	assert_int_equal(p.cores, 4);
	/* more than a CCX: the other domain first, then CPU 0's, never its core */
	assert_int_equal(vb_pinning_choose(&t, 12, &p, NULL), 0);
	expect_pins(&p, "8 9 10 11 12 13 14 15 2 3 4 5", "0-1,6-7");
	free(t.cores);
}

/* SMT off: one thread per core. */
static void pinning_no_smt(void **state)
{
	(void)state;
	VbCpuTopology t = make(4, 1, false, 0);
	VbPinning p;
	assert_int_equal(vb_pinning_choose(&t, 0, &p, NULL), 0);
	expect_pins(&p, "1 2 3", "0");
	assert_int_equal(p.threads, 1);
	assert_int_equal(p.cores, 3);
	free(t.cores);
	/* a single core has nothing to give */
	t = make(1, 2, false, 0);
	assert_int_equal(vb_pinning_choose(&t, 0, &p, NULL), -ERANGE);
	free(t.cores);
}

static void versions(void **state)
{
	(void)state;
	unsigned v;
	assert_int_equal(vb_libvirt_version_parse("9.0.0", &v), 0);
	assert_int_equal(v, VB_LIBVIRT(9, 0));
	assert_int_equal(vb_libvirt_version_parse("10.10", &v), 0);
	assert_int_equal(v, VB_LIBVIRT(10, 10));
	assert_true(VB_LIBVIRT(10, 10) > VB_LIBVIRT(9, 10));
	const char *bad[] = {"9", "9.", "9.0.", "9.0.0.1", "x.1", "9.1a", "", "100.0"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (vb_libvirt_version_parse(bad[i], &v) != -EINVAL)
			fail_msg("'%s' parsed", bad[i]);
	VbGuestOs os;
	assert_int_equal(vb_guest_os_from_name("windows10", &os), 0);
	assert_int_equal(os, VB_OS_WINDOWS10);
	assert_string_equal(vb_guest_os_name(os), "windows10");
	assert_int_equal(vb_guest_os_from_name("win10", &os), -EINVAL);
}

/* qemu-server reads hostpci0 to hostpci15: one guest slot more is refused, not cut. Sixteen
 * slots of two functions each pass, each slot's functions joined by ';' on one entry. */
static void proxmox_hostpci_limits(void **state)
{
	(void)state;
	VbDevice devs[34] = {0};
	VbProfileHostdev hostdevs[34] = {0};
	for (unsigned i = 0; i < 34; i++) {
		snprintf(devs[i].address, sizeof(devs[i].address), "0000:%02x:00.%u", i / 2 + 1, i % 2);
		hostdevs[i] =
		    (VbProfileHostdev){.dev = &devs[i], .guest_bus = i / 2 + 1, .guest_function = i % 2};
	}
	VbProfile p = {.name = "vm", .hostdevs = hostdevs, .n_hostdevs = 32, .n_buses = 16};
	p.pinning.n_vcpus = 2;
	p.pinning.vcpu_cpus[0] = 2, p.pinning.vcpu_cpus[1] = 3;
	char *text = NULL, *error = NULL;
	assert_int_equal(vb_profile_proxmox_script(&p, &text, &error), 0);
	assert_non_null(strstr(text, "--hostpci15 '0000:10:00.0;0000:10:00.1,pcie=1' \\\n"));
	assert_null(strstr(text, "hostpci16"));
	free(text);
	text = NULL;
	p.n_hostdevs = 34, p.n_buses = 17;
	assert_int_equal(vb_profile_proxmox_script(&p, &text, &error), -E2BIG);
	assert_null(text);
	assert_non_null(strstr(error, "17 guest slots: qemu-server passes at most 16"));
	free(error);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(cpulists),	       cmocka_unit_test(pinning_x99),
	    cmocka_unit_test(pinning_two_ccx), cmocka_unit_test(pinning_no_smt),
	    cmocka_unit_test(versions),	       cmocka_unit_test(proxmox_hostpci_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
