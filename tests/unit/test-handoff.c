/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* handoff: what it reads of a libvirt domain's XML, as the hook gets it on stdin. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "handoff/handoff.h"

static VbContext *ctx;

static int setup(void **state)
{
	(void)state;
	return vb_context_new("/", "/", &ctx);
}

static int teardown(void **state)
{
	(void)state;
	vb_context_free(ctx);
	return 0;
}

static void read_ok(const char *xml, VbDomainInfo *d)
{
	int r = vb_domain_xml_read(ctx, xml, strlen(xml), d);
	if (r < 0)
		fail_msg("vb_domain_xml_read: %s", strerror(-r));
}

/* libvirt's own form: single quotes, units, the guest address beside the source */
static void libvirt_form(void **state)
{
	(void)state;
	VbDomainInfo d;
	read_ok("<domain type='kvm' id='3'>\n"
		"  <name>win11</name>\n"
		"  <memory unit='KiB'>16777216</memory>\n"
		"  <memoryBacking><hugepages><page size='1' unit='GiB'/></hugepages></memoryBacking>\n"
		"  <cputune><vcpupin vcpu='0' cpuset='2'/><vcpupin vcpu='1' cpuset='8'/>"
		"<emulatorpin cpuset='0,6'/></cputune>\n"
		"  <numatune><memory mode='strict' nodeset='1'/></numatune>\n"
		"  <devices>\n"
		"    <hostdev mode='subsystem' type='pci' managed='no'>\n"
		"      <driver name='vfio'/>\n"
		"      <source><address domain='0x0000' bus='0x0a' slot='0x00' function='0x1'/></source>\n"
		"      <alias name='hostdev1'/>\n"
		"      <address type='pci' domain='0x0000' bus='0x05' slot='0x00' function='0x1'/>\n"
		"    </hostdev>\n"
		"    <hostdev mode='subsystem' type='usb'><source><vendor id='0x046d'/>"
		"<product id='0xc52b'/></source></hostdev>\n"
		"    <interface type='network'><source network='default'/>"
		"<address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/></interface>\n"
		"  </devices>\n"
		"</domain>\n",
		&d);
	assert_int_equal(d.n_hostdevs, 1);
	assert_int_equal(d.hostdevs[0].bus, 0x0a);
	assert_int_equal(d.hostdevs[0].slot, 0);
	assert_int_equal(d.hostdevs[0].function, 1);
	assert_int_equal(d.memory_kib, 16777216);
	assert_true(d.hugepages);
	assert_int_equal(d.hugepage_kib, 1024 * 1024);
	assert_string_equal(d.vcpu_cpus, "2,8"); /* the emulator's CPUs are the host's */
	assert_string_equal(d.numa_nodes, "1");
	vb_domain_info_done(&d);
}

/* vfio-boot's own profile (double quotes, no units) and a domain without anything */
static void profile_form_and_empty(void **state)
{
	(void)state;
	VbDomainInfo d;
	read_ok("<domain type=\"qemu\"><name>x</name><memory>262144</memory><devices>"
		"<hostdev mode=\"subsystem\" type=\"pci\" managed=\"no\"><source>"
		"<address domain=\"0x0000\" bus=\"0x01\" slot=\"0x00\" function=\"0x0\"/></source></hostdev>"
		"</devices></domain>",
		&d);
	assert_int_equal(d.n_hostdevs, 1);
	assert_int_equal(d.hostdevs[0].bus, 1);
	assert_int_equal(d.memory_kib, 262144);
	assert_false(d.hugepages);
	assert_null(d.vcpu_cpus);
	assert_null(d.numa_nodes);
	vb_domain_info_done(&d);
	read_ok("<domain type='kvm'><name>plain</name></domain>", &d);
	assert_int_equal(d.n_hostdevs, 0);
	vb_domain_info_done(&d);
	read_ok("<domain><memory unit='GiB'>4</memory><memoryBacking><hugepages/></memoryBacking></domain>",
		&d);
	assert_int_equal(d.memory_kib, 4 * 1024 * 1024);
	assert_int_equal(d.hugepage_kib, 2048);
	vb_domain_info_done(&d);
}

static void broken(void **state)
{
	(void)state;
	VbDomainInfo d;
	assert_int_equal(vb_domain_xml_read(ctx, "<domain><devices>", 17, &d), -EINVAL);
	assert_int_equal(vb_domain_xml_read(ctx, "", 0, &d), -EINVAL);
	/* an address out of range is not a device */
	read_ok("<domain><devices><hostdev type='pci'><source>"
		"<address domain='0x0000' bus='0x100' slot='0x00' function='0x0'/></source></hostdev>"
		"</devices></domain>",
		&d);
	assert_int_equal(d.n_hostdevs, 0);
	vb_domain_info_done(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(libvirt_form),
	    cmocka_unit_test(profile_form_and_empty),
	    cmocka_unit_test(broken),
	};
	return cmocka_run_group_tests_name("handoff", tests, setup, teardown);
}
