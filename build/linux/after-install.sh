#!/bin/bash

if type update-alternatives >/dev/null 2>&1; then
    # Remove previous link if it doesn't use update-alternatives
    if [ -L '/usr/bin/${executable}' -a -e '/usr/bin/${executable}' -a "`readlink '/usr/bin/${executable}'`" != '/etc/alternatives/${executable}' ]; then
        rm -f '/usr/bin/${executable}'
    fi
    update-alternatives --install '/usr/bin/${executable}' '${executable}' '/opt/${sanitizedProductName}/${executable}' 100 || ln -sf '/opt/${sanitizedProductName}/${executable}' '/usr/bin/${executable}'
else
    ln -sf '/opt/${sanitizedProductName}/${executable}' '/usr/bin/${executable}'
fi

# Check if user namespaces are supported by the kernel and working with a quick test:
if ! { [[ -L /proc/self/ns/user ]] && unshare --user true; }; then
    # Use SUID chrome-sandbox only on systems without user namespaces:
    chmod 4755 '/opt/${sanitizedProductName}/chrome-sandbox' || true
else
    chmod 0755 '/opt/${sanitizedProductName}/chrome-sandbox' || true
fi

if hash update-mime-database 2>/dev/null; then
    update-mime-database /usr/share/mime || true
fi

if hash update-desktop-database 2>/dev/null; then
    update-desktop-database /usr/share/applications || true
fi

# Install apparmor profile. (Ubuntu 24+)
# First check if the version of AppArmor running on the device supports our profile.
# This is in order to keep backwards compatibility with Ubuntu 22.04 which does not support abi/4.0.
# In that case, we just skip installing the profile since the app runs fine without it on 22.04.
#
# Those apparmor_parser flags are akin to performing a dry run of loading a profile.
# https://wiki.debian.org/AppArmor/HowToUse#Dumping_profiles
#
# Unfortunately, at the moment AppArmor doesn't have a good story for backwards compatibility.
# https://askubuntu.com/questions/1517272/writing-a-backwards-compatible-apparmor-profile
if apparmor_status --enabled > /dev/null 2>&1; then
  APPARMOR_PROFILE_SOURCE='/opt/${sanitizedProductName}/resources/apparmor-profile'
  APPARMOR_PROFILE_TARGET='/etc/apparmor.d/${executable}'
  if apparmor_parser --skip-kernel-load --debug "$APPARMOR_PROFILE_SOURCE" > /dev/null 2>&1; then
    cp -f "$APPARMOR_PROFILE_SOURCE" "$APPARMOR_PROFILE_TARGET"

    # Updating the current AppArmor profile is not possible and probably not meaningful in a chroot'ed environment.
    # Use cases are for example environments where images for clients are maintained.
    # There, AppArmor might correctly be installed, but live updating makes no sense.
    if ! { [ -x '/usr/bin/ischroot' ] && /usr/bin/ischroot; } && hash apparmor_parser 2>/dev/null; then
      # Extra flags taken from dh_apparmor:
      # > By using '-W -T' we ensure that any abstraction updates are also pulled in.
      # https://wiki.debian.org/AppArmor/Contribute/FirstTimeProfileImport
      apparmor_parser --replace --write-cache --skip-read-cache "$APPARMOR_PROFILE_TARGET"
    fi
  else
    echo "Skipping the installation of the AppArmor profile as this version of AppArmor does not seem to support the bundled profile"
  fi
fi

# --- CloudSnooze: install and start the agent's systemd unit ---
# The steps above are electron-builder's own after-install template, kept as is.
# Bash variables below are written without braces: electron-builder expands dollar-brace macros in this file.
CS_UNIT_SRC='/opt/${sanitizedProductName}/resources/linux/snoozed.service'
CS_UNIT_DST='/lib/systemd/system/snoozed.service'
if [ -f "$CS_UNIT_SRC" ] && [ -d /lib/systemd/system ]; then
    install -m 0644 "$CS_UNIT_SRC" "$CS_UNIT_DST"
    # Members of this group may talk to the agent's socket (mode 0660).
    if ! getent group cloudsnooze >/dev/null 2>&1; then
        groupadd --system cloudsnooze || true
    fi
    # The installing user (sudo apt install, or pkexec from a graphical installer) may use the
    # agent at once after a new login; anybody else is told the command. Membership counts
    # only in sessions started after it, hence "log out and in again" (the app says so too).
    CS_USER=''
    if [ -n "$SUDO_USER" ] && [ "$SUDO_USER" != root ]; then
        CS_USER="$SUDO_USER"
    elif [ -n "$PKEXEC_UID" ] && [ "$PKEXEC_UID" != 0 ]; then
        CS_USER=$(getent passwd "$PKEXEC_UID" | cut -d: -f1)
    fi
    # A user already in the group (every upgrade after the first install) is told nothing: a
    # "log out and log in again" at each upgrade would send them off for nothing. "$2" is the
    # version being upgraded from, empty on a first install.
    if [ -n "$CS_USER" ] && id -nG "$CS_USER" 2>/dev/null | tr ' ' '\n' | grep -qx cloudsnooze; then
        :
    elif [ -n "$CS_USER" ] && id "$CS_USER" >/dev/null 2>&1 && usermod -a -G cloudsnooze "$CS_USER"; then
        echo "CloudSnooze: added $CS_USER to the cloudsnooze group. Log out and log in again so the tray app may use the agent."
    elif [ -z "$2" ]; then
        echo "CloudSnooze: to use the tray app, add yourself to the cloudsnooze group (sudo adduser YOUR_USER cloudsnooze), then log out and log in again."
    fi
    mkdir -p /etc/cloudsnooze /var/lib/cloudsnooze
    if [ -d /run/systemd/system ] && ! { [ -x '/usr/bin/ischroot' ] && /usr/bin/ischroot; }; then
        systemctl daemon-reload || true
        systemctl enable snoozed.service || true
        # restart, not start: an upgrade must run the new agent.
        systemctl restart snoozed.service || true
    else
        # No running systemd (image build, container): enable for the next boot only.
        systemctl enable snoozed.service >/dev/null 2>&1 || true
    fi
fi
