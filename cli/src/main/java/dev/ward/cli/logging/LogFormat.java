package dev.ward.cli.logging;

/** How the daemons write their log lines: for people ({@code text}) or for log collectors ({@code json}, one object a line). */
public enum LogFormat { text, json }
