package dev.ward.netlink.route;

import dev.ward.netlink.IpPrefix;

import java.net.InetAddress;

/** A unicast route: destination, optional gateway, output link, routing table (254 is "main"). */
public record Route(IpPrefix destination, InetAddress gateway, int linkIndex, int table) {
    public static final int MAIN_TABLE = 254;

    public static Route via(IpPrefix destination, InetAddress gateway, int linkIndex, int table) {
        return new Route(destination, gateway, linkIndex, table);
    }

    public static Route onLink(IpPrefix destination, int linkIndex, int table) {
        return new Route(destination, null, linkIndex, table);
    }
}
