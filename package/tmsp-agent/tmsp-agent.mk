################################################################################
#
# tmsp-agent
#
################################################################################

# package.json's version (test/unit/buildroot.test.ts keeps them equal)
TMSP_AGENT_VERSION = 0.1.0
TMSP_AGENT_SITE = $(BR2_EXTERNAL_TMSP_PATH)
TMSP_AGENT_SITE_METHOD = local
TMSP_AGENT_LICENSE = Proprietary
TMSP_AGENT_REDISTRIBUTE = NO

# The site is the whole checkout (node_modules/ alone is hundreds of
# MB): copy only rootfs-overlay/ into the build directory.
TMSP_AGENT_OVERRIDE_SRCDIR_RSYNC_EXCLUSIONS = \
	--include='/rootfs-overlay/***' --exclude='/*'

# The single executable is built on the host before Buildroot runs:
# npm ci && npm run build:arm64 (or build:x64) in the checkout.
ifeq ($(BR2_aarch64),y)
TMSP_AGENT_NPM_BUILD = build:arm64
TMSP_AGENT_EXE ?= $(BR2_EXTERNAL_TMSP_PATH)/dist/linux-arm64/tmsp-agent
else ifeq ($(BR2_x86_64),y)
TMSP_AGENT_NPM_BUILD = build:x64
TMSP_AGENT_EXE ?= $(BR2_EXTERNAL_TMSP_PATH)/dist/linux-x64/tmsp-agent
endif

# The executable is stripped before its blob is injected; stripping it
# again afterwards (target-finalize) breaks it: it crashes at start.
# (check-package warns about this line: it appends to Buildroot's own
# variable on purpose.)
ifeq ($(BR2_PACKAGE_TMSP_AGENT),y)
BR2_STRIP_EXCLUDE_FILES += tmsp-agent
endif

# The same files as rootfs-overlay/, except the init files (below) and
# the .keep placeholders, which are only there to keep the two
# directories in git.
define TMSP_AGENT_INSTALL_TARGET_CMDS
	test -x "$(TMSP_AGENT_EXE)" || { \
		echo "tmsp-agent: $(TMSP_AGENT_EXE) is missing: run" \
			"'npm ci && npm run $(TMSP_AGENT_NPM_BUILD)' in" \
			"$(BR2_EXTERNAL_TMSP_PATH), or set TMSP_AGENT_EXE" >&2; \
		exit 1; }
	$(INSTALL) -D -m 0755 $(TMSP_AGENT_EXE) $(TARGET_DIR)/usr/bin/tmsp-agent
	$(INSTALL) -D -m 0644 $(@D)/rootfs-overlay/etc/default/tmsp-agent \
		$(TARGET_DIR)/etc/default/tmsp-agent
	$(INSTALL) -D -m 0644 $(@D)/rootfs-overlay/etc/sysctl.d/60-tmsp-agent.conf \
		$(TARGET_DIR)/etc/sysctl.d/60-tmsp-agent.conf
	$(INSTALL) -D -m 0644 $(@D)/rootfs-overlay/usr/share/tmsp-agent/config.json \
		$(TARGET_DIR)/usr/share/tmsp-agent/config.json
	ln -snf /config/tmsp-agent $(TARGET_DIR)/etc/tmsp-agent
	$(INSTALL) -d -m 0755 $(TARGET_DIR)/config/tmsp-agent
	$(INSTALL) -d -m 0755 $(TARGET_DIR)/data/tmsp-agent
endef

define TMSP_AGENT_INSTALL_INIT_SYSV
	$(INSTALL) -D -m 0755 $(@D)/rootfs-overlay/etc/init.d/S60tmsp-agent \
		$(TARGET_DIR)/etc/init.d/S60tmsp-agent
endef

define TMSP_AGENT_INSTALL_INIT_SYSTEMD
	$(INSTALL) -D -m 0644 $(@D)/rootfs-overlay/usr/lib/systemd/system/tmsp-agent.service \
		$(TARGET_DIR)/usr/lib/systemd/system/tmsp-agent.service
endef

$(eval $(generic-package))
